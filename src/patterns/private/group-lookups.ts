import { Stack } from 'aws-cdk-lib';

/** A latest-approved lookup of a stack: its construct path, the group's name and the account it is looked up in. */
export interface GroupLookup {
  readonly path: string;
  readonly groupName: string;
  readonly account?: string;
}

const lookups = new WeakMap<Stack, GroupLookup[]>();

/** Records a stack's lookup of a group's latest approved version. */
export function recordGroupLookup(stack: Stack, lookup: GroupLookup): void {
  lookups.set(stack, [...groupLookupsIn(stack), lookup]);
}

/** The latest-approved lookups a stack makes. */
export function groupLookupsIn(stack: Stack): GroupLookup[] {
  return lookups.get(stack) ?? [];
}
