#!/usr/bin/env -S node --max-semi-space-size=32
// Fluxy runs its TypeScript sources directly (tsx), so a clone works without a build step.
// The flag: `fluxy start` is the supervisor, whose proxying allocates a few KB of short-lived
// objects per request; with V8's default 16 MB semi-spaces it scavenged about every 400 requests
// and each scavenge copied in-flight requests' objects (bench/RESULTS.md, bench:bot). 32 MB halves
// how often, for up to 32 MB more young generation under load. The test helper starts the
// supervisor with the flags named on the line above (helpers/instance.ts), so tests run it as shipped.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
