/** The server's slug rule, checked in the page before sending (see server/operations/slug-rules.ts). */
export { slugProblem } from '../../../server/operations/slug-rules.ts';
