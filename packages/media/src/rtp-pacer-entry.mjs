// Worker threads do not inherit the parent's TypeScript loader on Node 20: register tsx, then load the thread.
import { register } from 'tsx/esm/api';

register();
await import('./rtp-pacer-thread.ts');
