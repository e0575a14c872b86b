import * as iam from 'aws-cdk-lib/aws-iam';
import { IDependable } from 'constructs';

/** Where the recorder puts statements that do not go to the role's own default policy. */
export interface PolicySinks {
  /**
   * The policy for statements whose only resource is "*" (actions AWS cannot scope to a resource, such as
   * ecr:GetAuthorizationToken): kept apart so that a cdk-nag suppression can name exactly them.
   */
  readonly wildcard: () => iam.Policy | iam.ManagedPolicy;
  /**
   * The policy for every other statement, when the role's default policy cannot hold them (a role of another stack:
   * its default policy would make that stack depend on this one, while this one already depends on it).
   */
  readonly scoped?: () => iam.Policy | iam.ManagedPolicy;
}

/**
 * A principal that forwards every statement to the pipeline's role and remembers it, with whether the role took
 * it. A role this stack cannot change (imported with `mutable: false`, or of another account) takes none, although
 * CDK reports them added. A statement granted again (every step of a kind grants the same job permissions) is
 * recorded once.
 */
export class RecordingPrincipal implements iam.IPrincipal {
  public readonly statements: iam.PolicyStatement[] = [];
  public readonly dropped: iam.PolicyStatement[] = [];
  /** What a resource that needs the permissions in place must depend on. */
  public readonly dependables: IDependable[] = [];

  private readonly results = new Map<string, iam.AddToPrincipalPolicyResult>();

  constructor(
    private readonly inner: iam.IPrincipal,
    private readonly unchangeable: boolean,
    private readonly sinks: PolicySinks,
    private readonly onDependable: (d: IDependable) => void,
  ) {}

  public get grantPrincipal(): iam.IPrincipal {
    return this;
  }

  public get assumeRoleAction(): string {
    return this.inner.assumeRoleAction;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.inner.policyFragment;
  }

  public get principalAccount(): string | undefined {
    return this.inner.principalAccount;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const key = JSON.stringify(statement.toStatementJson());
    const known = this.results.get(key);
    if (known) {
      return known;
    }
    const json = statement.toStatementJson();
    const wildcardOnly = json.Resource === '*' && json.NotResource === undefined;
    let result: iam.AddToPrincipalPolicyResult;
    if (this.unchangeable) {
      result = this.inner.addToPrincipalPolicy(statement);
    } else if (wildcardOnly) {
      const policy = this.sinks.wildcard();
      policy.addStatements(statement);
      result = { statementAdded: true, policyDependable: policy };
    } else if (this.sinks.scoped) {
      const policy = this.sinks.scoped();
      policy.addStatements(statement);
      result = { statementAdded: true, policyDependable: policy };
    } else {
      result = this.inner.addToPrincipalPolicy(statement);
    }
    this.results.set(key, result);
    this.statements.push(statement);
    if (this.unchangeable || !result.statementAdded) {
      this.dropped.push(statement);
    }
    if (result.policyDependable && !this.dependables.includes(result.policyDependable)) {
      this.dependables.push(result.policyDependable);
      this.onDependable(result.policyDependable);
    }
    return result;
  }

  public toString(): string {
    return this.inner.toString();
  }
}
