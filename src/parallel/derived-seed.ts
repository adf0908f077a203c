/**
 * A seed fixed by the run's seed and the name of one part of the run (a mutant and its seed's
 * number, a chunk of the sequential runs): FNV-1a of the parts joined by ':', as a 32-bit signed
 * integer — fast-check's seeds. Never depends on which worker or shard runs the part.
 */
export function derivedSeed(runSeed: number, ...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  const text = [runSeed, ...parts].join(':');
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}
