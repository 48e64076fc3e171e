/** Every entity the ORM knows; each capability defines its own next to its code. */
import { ApiToken, AuthThrottle, Session, SetupToken, User } from '../auth/entities.ts';
import { AuditEntry } from '../audit/entities.ts';

export const entities = [User, Session, ApiToken, AuthThrottle, SetupToken, AuditEntry];
