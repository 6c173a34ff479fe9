// After each integration test file: the audit writers that the exported functions built (they
// are sealed on SIGTERM in production, and a test file ends without one) write their final
// checkpoint now, so no checkpoint timer fires during a later file.
import { sealAll } from '../../functions/src/platform/shutdown';

afterAll(() => sealAll());
