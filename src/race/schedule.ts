/**
 * A schedule is data: at each choice point — a moment where two or more sessions could take their
 * next step (a session that waits on a lock is no choice) — which session steps. Sessions are
 * lettered A, B, C in the order the pair or triple names them, and a schedule prints as the
 * letters picked, e.g. `AABBA`. Choice points past the end of a schedule pick the first ready
 * session, so a schedule is printed without its trailing first-ready picks, and the empty
 * schedule is the serial order A, then B, then C.
 */

/** Picks the session that steps at choice point `choice` (0-based) among the `ready` ones (session indices, ascending). */
export type Chooser = (choice: number, ready: readonly number[]) => number;

/** The letter of session `index`: A, B, C, … */
export function sessionLetter(index: number): string {
  return String.fromCharCode(65 + index);
}

/**
 * A generated schedule: pick i chooses `ready[picks[i] % ready.length]`. Any list of naturals is a
 * valid schedule, and fast-check shrinks it toward shorter lists of zeros — toward the serial order.
 */
export function choosePicks(picks: readonly number[]): Chooser {
  return (choice, ready) => ready[(picks[choice] ?? 0) % ready.length]!;
}

/** The schedule does not fit the run it was given to: a letter names a session that cannot step there. */
export class ScheduleMismatch extends Error {}

/** A printed schedule (`AABBA`), replayed as printed; a letter that names no ready session is a ScheduleMismatch. */
export function chooseLetters(schedule: string): Chooser {
  return (choice, ready) => {
    const letter = schedule[choice];
    if (letter === undefined) return ready[0]!;
    const index = letter.charCodeAt(0) - 65;
    if (!ready.includes(index)) {
      throw new ScheduleMismatch(`at choice ${choice + 1} the schedule picks ${letter}, but only ${ready.map(sessionLetter).join(', ')} can step there`);
    }
    return index;
  };
}

/** Checks a schedule as typed: letters only, each naming one of `sessions` sessions. */
export function scheduleProblem(schedule: string, sessions: number): string | undefined {
  const allowed = Array.from({ length: sessions }, (_, i) => sessionLetter(i)).join('');
  if (!new RegExp(`^[${allowed}]*$`).test(schedule)) return `a schedule is a string of the session letters ${allowed}, got "${schedule}"`;
  return undefined;
}

/**
 * What a run chose: at each choice point the ready sessions and the one picked. Prints as letters,
 * without the trailing picks of the first ready session (the default past the end).
 */
export interface ChoiceRecord {
  readonly ready: readonly number[];
  readonly picked: number;
}

export function printSchedule(choices: readonly ChoiceRecord[]): string {
  let end = choices.length;
  while (end > 0 && choices[end - 1]!.picked === choices[end - 1]!.ready[0]) end--;
  return choices
    .slice(0, end)
    .map((choice) => sessionLetter(choice.picked))
    .join('');
}

/**
 * Every interleaving, as the isolation tester runs every permutation: a depth-first walk over the
 * choice points. Each run follows a prefix of picks (as positions in its ready list) and picks the
 * first ready session past it; the next prefix turns the deepest choice that still has an untried
 * option to that option. A run that ends early (a deadlock stops it) is a leaf like any other.
 */
export class ExhaustiveWalk {
  #prefix: number[] = [];
  #done = false;

  get done(): boolean {
    return this.#done;
  }

  /** The chooser for the next run. */
  chooser(): Chooser {
    const prefix = this.#prefix;
    return (choice, ready) => ready[prefix[choice] ?? 0]!;
  }

  /** After the run: moves to the next unexplored leaf (or marks the walk done). */
  advance(choices: readonly ChoiceRecord[]): void {
    const positions = choices.map((choice) => choice.ready.indexOf(choice.picked));
    for (let k = choices.length - 1; k >= 0; k--) {
      if (positions[k]! + 1 < choices[k]!.ready.length) {
        this.#prefix = [...positions.slice(0, k), positions[k]! + 1];
        return;
      }
    }
    this.#done = true;
  }
}
