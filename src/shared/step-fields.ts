/** The fields of a step's definition that every step kind has (its common options), besides the kind's own. */
export const COMMON_STEP_FIELDS = ['Name', 'Type', 'Arguments', 'DependsOn', 'DisplayName', 'Description', 'CacheConfig', 'RetryPolicies'];
