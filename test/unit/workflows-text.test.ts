import { describe, expect, it } from 'vitest';
import { redact, unescape } from '../../model/workflows/text.js';

describe('unescape', () => {
  it('turns the four two-character escapes into their characters', () => {
    expect(unescape('a\\nb\\rc\\td\\\\e')).toBe('a\nb\rc\td\\e');
  });

  it('keeps any other backslash, and reads left to right', () => {
    expect(unescape('\\x \\u0041 end\\')).toBe('\\x \\u0041 end\\');
    // `\\` is consumed first, so the `n` after it stays a letter.
    expect(unescape('\\\\n')).toBe('\\n');
    expect(unescape('\\\\\\n')).toBe('\\\n');
  });

  it('is the identity on text without backslashes', () => {
    expect(unescape('')).toBe('');
    expect(unescape('hello world 42')).toBe('hello world 42');
  });
});

describe('redact (approximation)', () => {
  it('masks Bearer tokens', () => {
    expect(redact('Authorization: Bearer abc.DEF-123')).toBe('Authorization: Bearer [REDACTED]');
  });

  it('masks TOKEN / SECRET / PASSWORD pairs case-insensitively, keeping the name', () => {
    expect(redact('GITHUB_TOKEN=ghx123 and db_password: hunter2')).toBe(
      'GITHUB_TOKEN=[REDACTED] and db_password: [REDACTED]',
    );
    expect(redact('Secret=s3cr3t')).toBe('Secret=[REDACTED]');
  });

  it('masks connection-string passwords, API-key shapes and PEM blocks', () => {
    expect(redact('postgres://app:pa55@db:5432/x')).toBe('postgres://app:[REDACTED]@db:5432/x');
    expect(redact('key sk-abcdefghijklmnopqrstu here')).toBe('key [REDACTED] here');
    expect(redact('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----')).toBe('[REDACTED]');
  });

  it('is the identity on text drawn from [a-z0-9 ]', () => {
    for (const text of ['', 'hello', 'bearer token secret password', 'token 123 secret abc', 'sk 0123456789abcdef']) {
      expect(redact(text)).toBe(text);
      expect(unescape(text)).toBe(text);
    }
  });
});
