/**
 * Fine-grained authorization at run time, for `auth: acl` services: who the subject is
 * (principals.ts), what the request needs (request-access.ts), the decision (check-access.ts on the
 * cached ACL of the service), the audit record, and what a capabilities document may list.
 */
import type { Config } from '../config/config.js';
import type { OWSRequest } from '../ows/types.js';
import type { Subject } from '../policy/subject.js';
import type { Service } from '../registry/service.js';
import type { Store } from '../store/types.js';
import { ACLCache } from './acl-cache.js';
import { AuditLog } from './audit-log.js';
import { type AccessResult, checkAccess } from './check-access.js';
import type { Principal } from './model.js';
import { PrincipalResolver } from './principals.js';
import { type AccessNeed, requiredAccess } from './request-access.js';
import { visibilityOf } from './visibility.js';

export interface AccessControlOptions {
  /** The subject DN of Twitcher's own CA, when it has one. */
  ownCASubjectDN?: string | undefined;
  onError?: (err: unknown, what: string) => void;
}

export interface ACLDecision {
  allow: boolean;
  principal: Principal;
  need: AccessNeed;
  result: AccessResult;
}

export interface DecideACLInput {
  service: Service;
  request: OWSRequest;
  subject: Subject;
  clientAddress: string;
}

export class AccessControl {
  readonly principals: PrincipalResolver;
  readonly acls: ACLCache;
  readonly audit: AuditLog;

  constructor(config: Config, store: Store, options: AccessControlOptions = {}) {
    this.principals = new PrincipalResolver(store, {
      externalUserClaim: config.authz.externalUserClaim,
      externalGroupsClaim: config.authz.externalGroupsClaim,
      certificateBaseDN: config.certs.baseDN,
      ownCASubjectDN: options.ownCASubjectDN,
    });
    this.acls = new ACLCache(store);
    this.audit = new AuditLog(store.audit, {
      retention: config.authz.auditRetention,
      ...(options.onError && { onError: options.onError }),
    });
  }

  /** The decision on a request to an `acl` service, recorded in the audit log. */
  async decide({ service, request, subject, clientAddress }: DecideACLInput): Promise<ACLDecision> {
    const [principal, index] = await Promise.all([
      this.principals.resolve(subject),
      this.acls.get(service.name),
    ]);
    const need = requiredAccess(service.type, request);
    const result = checkAccess(index, principal, need);
    this.audit.record({
      at: Date.now(),
      subject: principal.label,
      username: principal.user,
      clientAddress,
      service: service.name,
      operation:
        request.kind === 'ows'
          ? (request.operation ?? '')
          : request.kind === 'unidentified'
            ? `${request.method} (unidentified body)`
            : `${request.method} ${request.path || '/'}`,
      permission: need.permission,
      resources: result.resources,
      outcome: result.allow ? 'allow' : 'deny',
      rule: result.rule,
    });
    return { allow: result.allow, principal, need, result };
  }

  /** What a capabilities document of `owsService` may list for `principal` (synchronous once made). */
  async visibility(
    service: Service,
    owsService: string,
    principal: Principal,
  ): Promise<(name: string) => boolean> {
    return visibilityOf(await this.acls.get(service.name), principal, owsService);
  }

  async close(): Promise<void> {
    this.principals.close();
    this.acls.close();
    await this.audit.close();
  }
}
