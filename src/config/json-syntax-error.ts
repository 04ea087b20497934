/**
 * Locates the first syntax error in a text that `JSON.parse` rejected.
 *
 * V8's messages differ between Node versions, some carry no position, and some quote the file's
 * text (which may hold a secret, SPEC §5). A small scanner gives the same secret-free answer
 * everywhere. It only runs after `JSON.parse` failed, so it need not build values.
 */

export interface JsonSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units like every editor's column counter for BMP text. */
  column: number;
  message: string;
}

class SyntaxFailure extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;

  const fail = (message: string, offset = at): never => {
    throw new SyntaxFailure(offset, message);
  };
  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at++;
  };
  const expect = (char: string, message: string): void => {
    skipSpace();
    if (text.charAt(at) !== char) fail(at >= text.length ? 'unexpected end of file' : message);
    at++;
  };

  const scanString = (): void => {
    const start = at;
    at++; // opening quote
    for (;;) {
      if (at >= text.length) fail('unterminated string', start);
      const char = text.charAt(at);
      if (char === '"') {
        at++;
        return;
      }
      if (char === '\\') {
        ESCAPE.lastIndex = at;
        if (!ESCAPE.test(text)) fail('invalid escape sequence in string');
        at = ESCAPE.lastIndex;
      } else if (char.charCodeAt(0) < 0x20) {
        fail('control character (such as a raw line break) in string');
      } else at++;
    }
  };

  const scanValue = (): void => {
    skipSpace();
    const char = text.charAt(at);
    if (at >= text.length) fail('unexpected end of file');
    if (char === '{') return scanObject();
    if (char === '[') return scanArray();
    if (char === '"') return scanString();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return;
      }
    }
    NUMBER.lastIndex = at;
    if (NUMBER.test(text)) {
      at = NUMBER.lastIndex;
      return;
    }
    fail(char === "'" ? 'strings must use double quotes' : 'expected a value');
  };

  const scanObject = (): void => {
    at++;
    skipSpace();
    if (text.charAt(at) === '}') {
      at++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text.charAt(at) !== '"') {
        fail(
          text.charAt(at) === '}' ? 'trailing comma before "}"' : 'expected a double-quoted property name',
        );
      }
      scanString();
      expect(':', 'expected ":" after property name');
      scanValue();
      skipSpace();
      if (text.charAt(at) === ',') {
        at++;
        continue;
      }
      expect('}', 'expected "," or "}" after property value');
      return;
    }
  };

  const scanArray = (): void => {
    at++;
    skipSpace();
    if (text.charAt(at) === ']') {
      at++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text.charAt(at) === ']') fail('trailing comma before "]"');
      scanValue();
      skipSpace();
      if (text.charAt(at) === ',') {
        at++;
        continue;
      }
      expect(']', 'expected "," or "]" after array element');
      return;
    }
  };

  try {
    scanValue();
    skipSpace();
    if (at < text.length) fail('unexpected content after the end of the JSON value');
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxFailure)) throw error;
    const before = text.slice(0, error.offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    return {
      line: before.split('\n').length,
      column: error.offset - lineStart + 1,
      message: error.message,
    };
  }
}
