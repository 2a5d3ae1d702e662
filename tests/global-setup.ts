/** Builds dist/main.js once before the suites: the process tests run the bundle, as `npm start` does. */
import { build } from '../src/cli/build';

export default function globalSetup(): void {
  build();
}
