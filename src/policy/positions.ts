import { CORE_SCHEMA, load, type EventType, type State } from 'js-yaml';

/** 1-based line and column of a place in the policy text. */
export interface Position {
  line: number;
  column: number;
}

/** Where a node of the document is: its key (for mapping values) and its value. */
export interface NodePositions {
  key?: Position;
  value: Position;
}

/** The loaded document and the place of every node in it, by JSON pointer (`/rules/non-root`). */
export interface PositionedDocument {
  value: unknown;
  positions: Map<string, NodePositions>;
}

/** A node as js-yaml's open/close events delimit it (character offsets into the text). */
interface Node {
  start: number;
  end: number;
  kind: string | null;
  result: unknown;
  children: Node[];
}

/**
 * Loads one YAML document and records where each node starts, so that schema errors (which
 * know only a JSON pointer) can name a line and column.
 *
 * js-yaml 4 has no AST, but its `listener` reports an `open` and a `close` event around every
 * node it composes, nested like the nodes. Mapping keys and values are composed as children of
 * their mapping, in order, and sequence items as children of their sequence. That is enough to
 * rebuild the tree without writing a YAML parser.
 *
 * The CORE schema is used on purpose: the default schema turns `2026-12-31` into a Date (and
 * silently rolls `2026-02-30` over to March), and adds `<<` merges and other types a policy has
 * no use for. With CORE, dates stay strings and the JSON Schema's `format: date` checks them.
 *
 * `text` must not start with a byte-order mark (js-yaml strips it, which would shift offsets).
 */
export function loadWithPositions(text: string, filename: string): PositionedDocument {
  const stack: Node[] = [{ start: 0, end: 0, kind: null, result: undefined, children: [] }];
  const listener = (event: EventType, state: State): void => {
    if (event === 'open') {
      stack.push({ start: state.position, end: 0, kind: null, result: null, children: [] });
      return;
    }
    const node = stack.pop()!;
    node.end = state.position;
    node.kind = state.kind;
    node.result = state.result;
    stack[stack.length - 1]!.children.push(node);
  };
  const value = load(text, { schema: CORE_SCHEMA, filename, listener });
  const positions = new Map<string, NodePositions>();
  const root = stack[0]!.children.at(-1);
  if (root) {
    const lines = lineStarts(text);
    walk(root, '', undefined, positions, (offset) => toPosition(lines, offset), text);
  }
  return { value, positions };
}

function walk(
  node: Node,
  pointer: string,
  key: Position | undefined,
  out: Map<string, NodePositions>,
  at: (offset: number) => Position,
  text: string,
): void {
  const start = contentStart(text, node.start);
  // An empty value (`key:` and nothing) has no text of its own: js-yaml has already skipped to
  // the next line. Point at its key instead, which is where the reader looks.
  const value = start >= node.end && key ? key : at(start);
  out.set(pointer, key ? { key, value } : { value });
  // A flow collection or scalar in block context is composed inside a wrapper node (js-yaml
  // first tries it as the key of a block mapping): the wrapper's only child holds the entries.
  while (node.children.length === 1 && node.children[0]!.result === node.result) {
    node = node.children[0]!;
  }
  const result = node.result;
  if (node.kind === 'mapping' && isRecord(result)) {
    // Children alternate key, value. A failed key attempt at the end of a block mapping (or a
    // flow entry without a value) breaks the alternation, so a child is only taken as a key
    // when it is a scalar that is a key of the mapping.
    const children = node.children;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      const name = child.kind === 'scalar' ? String(child.result) : undefined;
      if (name === undefined || !Object.hasOwn(result, name)) continue;
      const valueNode = children[i + 1];
      const keyPos = at(contentStart(text, child.start));
      const childPointer = `${pointer}/${escapePointer(name)}`;
      if (valueNode) walk(valueNode, childPointer, keyPos, out, at, text);
      else out.set(childPointer, { key: keyPos, value: keyPos });
      i++;
    }
  } else if (node.kind === 'sequence' && Array.isArray(result)) {
    // Block sequences push `null` for an empty `-` entry without composing a node: pair items
    // with child nodes by value so that one gap does not shift every later position.
    let c = 0;
    result.forEach((item: unknown, index) => {
      const child = node.children[c];
      if (!child || (child.result !== item && !(item === null && child.result === null))) return;
      walk(child, `${pointer}/${index}`, undefined, out, at, text);
      c++;
    });
  }
}

/** Skips what js-yaml skips before a node's content: spaces, line breaks and comments. */
function contentStart(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') i++;
    else if (ch === '#') while (i < text.length && text[i] !== '\n') i++;
    else break;
  }
  return i;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function toPosition(starts: number[], offset: number): Position {
  // Binary search for the last line starting at or before offset.
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** RFC 6901: `~` and `/` in a key are escaped, as ajv's instancePath does. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
