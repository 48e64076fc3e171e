/** What a new password must meet. No Node imports: the dashboard shows these rules too. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
