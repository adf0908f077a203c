import { loadModule, parseSync } from 'libpg-query';
import { requiredQueries } from '../queries/required.js';
import { walk } from '../sqlc/ast.js';
import type { QuerySet } from '../sqlc/loader.js';

/**
 * The words the generators draw text from besides arbitrary text: values the code under test
 * treats specially, so that a query or a workflow that singles one of them out is told apart from
 * one that does not. See generators.ts (commandArbitraries) for where each is used.
 */
export interface Vocabulary {
  /** failure_reason values as callers really send and the sweepers write them (workflows.md §9). */
  readonly failureReasons: readonly string[];
  /** A failed task's error as the daemon reports it: model providers' error texts, the agent's own words. */
  readonly errorTexts: readonly string[];
  /** Every string literal of the queries under test (their statuses, reasons, error texts), sorted. */
  readonly literals: readonly string[];
}

/**
 * What the 60b daemon sends as failure_reason: 'agent_error' (its default), 'timeout', and the
 * "poisoned output" classifier's 'iteration_limit' and 'agent_fallback_message'; the sweepers and
 * recover-orphans write 'runtime_offline' and 'runtime_recovery'.
 */
export const FAILURE_REASONS: readonly string[] = ['agent_error', 'timeout', 'iteration_limit', 'agent_fallback_message', 'runtime_offline', 'runtime_recovery'];

/**
 * Error texts as a daemon forwards them: the model provider's API error (an HTTP status and its
 * JSON body), a network failure, or an agent's give-up output.
 */
export const ERROR_TEXTS: readonly string[] = [
  'API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208451 tokens > 200000 maximum"}}',
  'API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0.text: text content blocks must be non-empty"}}',
  "Error code: 400 - {'error': {'message': \"Invalid 'messages[2].content': string too long.\", 'type': 'invalid_request_error', 'param': 'messages[2].content', 'code': 'string_above_max_length'}}",
  'API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
  'API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization"}}',
  'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
  'Request timed out.',
  'connect ECONNREFUSED 127.0.0.1:443',
  'Reached maximum number of turns (50)',
  "I'm sorry, but I can't continue with this task.",
];

/** The spec's words alone, for callers without a query set (the benchmark, model-only tests). */
export const specVocabulary: Vocabulary = { failureReasons: FAILURE_REASONS, errorTexts: ERROR_TEXTS, literals: [] };

/** The spec's words and every string literal of the queries under test in `queries`. */
export async function vocabularyOf(queries: QuerySet): Promise<Vocabulary> {
  return { ...specVocabulary, literals: await queryLiterals(queries) };
}

/**
 * The string constants (A_Const strings, as PostgreSQL's parser sees them) of every query chatcheck
 * runs from `queries` (src/queries/required.ts), distinct and sorted: the same set gives the same list.
 */
export async function queryLiterals(queries: QuerySet): Promise<string[]> {
  await loadModule();
  const literals = new Set<string>();
  for (const { name } of requiredQueries) {
    if (!queries.has(name)) continue;
    walk(parseSync(queries.get(name).sql), {
      A_Const: (constant) => {
        // An empty string's sval has no field (protobuf leaves empty strings out).
        if (constant.sval !== undefined) literals.add(constant.sval.sval ?? '');
      },
    });
  }
  return [...literals].sort();
}
