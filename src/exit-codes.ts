/** The CLI's exit codes: a contract with CI that never changes meaning. */
export const EXIT_CONFORMS = 0;
/** The SQL and the model disagree (a divergence, a broken invariant, an unexpected error). */
export const EXIT_FINDING = 1;
/** Usage or setup error: bad option, unreachable server, broken migration or query file. */
export const EXIT_SETUP = 2;
/** A bug in chatcheck itself: the stack trace is printed. */
export const EXIT_INTERNAL = 3;
