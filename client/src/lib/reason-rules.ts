/** The reason rules of triage actions and checklist overrides, shared with the server. */
export { REASON_MAX, REASON_MIN, reasonProblem } from '../../../server/operations/reason-rules.ts';
