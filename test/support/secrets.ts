// The secrets the suite's engine runs with (never real ones). The run's teardown checks that none
// of them, nor a SAS signature or an issued verification code, reached a log line or a response.

export const KEYS = {
  admin: "test-key-admin-000000000000000001",
  operator: "test-key-operator-00000000000002",
  auditor: "test-key-auditor-000000000000003",
  service: "test-key-service-000000000000004",
  operatorB: "test-key-operator-b-000000000005",
} as const;

/** A fixed 40-character secret for subject keys in tests. */
export const TEST_SUBJECT_KEY_SECRET = "test-subject-key-secret-0123456789abcdef";
export const TEST_CERTIFICATE_KEY = "test-certificate-key-0123456789abcdef0123";

export const SECRET_VALUES: readonly string[] = [...Object.values(KEYS), TEST_SUBJECT_KEY_SECRET, TEST_CERTIFICATE_KEY];
