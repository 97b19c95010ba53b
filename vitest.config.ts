import { defineConfig } from "vitest/config";

// Every Node process the suite starts (a CLI call, a supervisor, a server) pays for
// NODE_EXTRA_CA_CERTS at startup: Node 20 parses the whole bundle before running a line, about
// 35 ms of CPU per process with a distribution's 140-certificate file, a third of a CLI call's.
// Nothing here speaks TLS, so the workers and everything they start go without it.
delete process.env.NODE_EXTRA_CA_CERTS;

// Integration tests spawn the built CLI (dist/) and real process trees; `npm test` builds first.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Three files at once on the 2-core machine the suite is timed on: a test spends much of its
    // time waiting on a CLI call, a job or a sink it started, and a third worker fills that time.
    maxWorkers: 3,
  },
});
