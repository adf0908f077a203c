import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

/** The elements CI systems read, always as lists (a parser would make a lone one an object). */
const LISTS = new Set(['testsuite', 'testcase', 'property', 'failure', 'error', 'skipped']);

export interface JunitCase {
  '@name': string;
  '@classname': string;
  '@time': string;
  failure?: { '@message': string; '@type': string; '#text': string }[];
  error?: { '@message': string; '@type': string }[];
  skipped?: { '@message': string }[];
  'system-out'?: string;
}
export interface JunitSuite {
  '@name': string;
  '@tests': string;
  '@failures': string;
  '@errors': string;
  '@skipped': string;
  '@time': string;
  properties?: { property: { '@name': string; '@value': string }[] };
  testcase: JunitCase[];
}
export interface Junit {
  testsuites: { '@name': string; '@tests': string; '@failures': string; '@errors': string; '@skipped': string; '@time': string; testsuite: JunitSuite[] };
}

/** Parses JUnit XML as a CI system would: it must be well-formed, and hold no character XML 1.0 forbids. */
export function parseJunit(xml: string): Junit {
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', htmlEntities: true, trimValues: false, parseTagValue: false, parseAttributeValue: false, isArray: (name) => LISTS.has(name) });
  return parser.parse(xml) as Junit;
}
