import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A principal that forwards every statement to the pipeline's role and remembers it, with whether the role took
 * it. A role this stack cannot change (imported with `mutable: false`, or of another account) takes none, although
 * CDK reports them added.
 */
export class RecordingPrincipal implements iam.IPrincipal {
  public readonly statements: iam.PolicyStatement[] = [];
  public readonly dropped: iam.PolicyStatement[] = [];

  constructor(private readonly inner: iam.IPrincipal, private readonly unchangeable: boolean) {}

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
    const result = this.inner.addToPrincipalPolicy(statement);
    this.statements.push(statement);
    if (this.unchangeable || !result.statementAdded) {
      this.dropped.push(statement);
    }
    return result;
  }

  public toString(): string {
    return this.inner.toString();
  }
}
