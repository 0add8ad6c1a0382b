/**
 * A provisioning file as read: parsed (YAML, which reads JSON too) with the position of every node,
 * so that a problem is reported at `file:line:column`, and `$NAME` / `${NAME}` expanded from the
 * environment. Shared by every reader (native, Magpie).
 */
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Note, Origin } from './model.js';

export interface SourceFile {
  /** As given (a path, or a name for text that came over the API). */
  name: string;
  text: string;
}

export interface ParsedSource {
  name: string;
  /** The document as plain values (undefined when it did not parse: see the notes). */
  value: unknown;
  /** `name:line:column` of the node at `path` (of the closest ancestor that exists). */
  at(path: readonly (string | number)[]): Origin;
}

/** Parses `file`; a syntax error becomes an `error` note at its line and column. */
export function parseSource(file: SourceFile, notes: Note[]): ParsedSource {
  const lines = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): string => {
    const { line, col } = lines.linePos(offset);
    return `${file.name}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      notes.push({
        severity: 'error',
        origin: position(err.pos[0]),
        message: `does not parse as YAML or JSON: ${problemOnly(err.message)}`,
      });
    }
    return { name: file.name, value: undefined, at: () => file.name };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // an alias bomb (aliases of aliases that would expand to millions of nodes) is refused by yaml
    notes.push({
      severity: 'error',
      origin: file.name,
      message: `does not parse as YAML or JSON: ${problemOnly((err as Error).message)}`,
    });
    return { name: file.name, value: undefined, at: () => file.name };
  }
  return {
    name: file.name,
    value,
    at(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) return position(node.range[0]);
        // a key whose value is null has no node: the pair's key has the position
        if (n > 0) {
          const parent = doc.getIn(path.slice(0, n - 1), true);
          if (isMap(parent)) {
            const pair = parent.items.find(
              (p) => (p.key as { value?: unknown } | null)?.value === path[n - 1],
            );
            const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
            if (range) return position(range[0]);
          } else if (isSeq(parent)) {
          }
        }
      }
      return file.name;
    },
  };
}

/**
 * A parser message without the text it quotes (`Unresolved alias …: s3cret`): the line and column
 * say where, and the text may be a variable's value (a password) expanded into the file.
 */
function problemOnly(message: string): string {
  const first = message.split('\n')[0] ?? '';
  const colon = first.indexOf(': ');
  return colon < 0 ? first : first.slice(0, colon);
}

/** A variable's name, and the two forms of a reference: `${NAME}` and `$NAME`. */
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const VARIABLE = new RegExp(`\\$(?:\\{(${NAME})\\}|(${NAME}))`, 'g');
const BRACED = new RegExp(`\\$\\{(${NAME})\\}`, 'g');
const WHOLE_REFERENCE = new RegExp(`^\\$(?:\\{${NAME}\\}|${NAME})$`);
const WHOLE_BRACED = new RegExp(`^\\$\\{${NAME}\\}$`);
const ANY_BRACED = new RegExp(`\\$\\{${NAME}\\}`);

/**
 * `$NAME` and `${NAME}` (only `${NAME}` with `braced`: Twitcher's own format, where a `$` in a
 * password hash or a URL stays as written) replaced by the environment's values. A variable that is not set is an
 * error (reported once per name through `missing`), never an empty string that would silently
 * change a path or a permission: set it, empty if that is what is meant.
 */
export function expandVariables(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  missing: (name: string) => void,
  options: { braced?: boolean } = {},
): string {
  return text.replace(
    options.braced ? BRACED : VARIABLE,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const value = env[name];
      if (value === undefined) {
        missing(name);
        return whole;
      }
      return value;
    },
  );
}

/**
 * True when `text` is nothing but one variable reference (`${PASSWORD}`, or `$PASSWORD` unless
 * `braced`): a secret kept out of the file.
 */
export function isVariableReference(text: string, options: { braced?: boolean } = {}): boolean {
  return (options.braced ? WHOLE_BRACED : WHOLE_REFERENCE).test(text.trim());
}

/** True when `text` still holds a `${NAME}` (a reference nobody expanded). */
export function holdsReference(text: string): boolean {
  return ANY_BRACED.test(text);
}
