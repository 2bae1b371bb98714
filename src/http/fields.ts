/**
 * Kibo's `responseFields` filter: `a,b,c(d,e(f))` keeps only those fields, nested lists in
 * parentheses apply to objects and to each element of arrays. Unknown names are ignored.
 */
export interface FieldTree {
  [name: string]: FieldTree | true;
}

/** Parses the filter; undefined when it is empty or unbalanced (then nothing is filtered). */
export function parseResponseFields(spec: string | undefined): FieldTree | undefined {
  if (!spec || !spec.trim()) return undefined;
  let i = 0;
  function list(): FieldTree | undefined {
    const tree: FieldTree = {};
    for (;;) {
      let name = '';
      while (i < spec!.length && !',()'.includes(spec![i])) name += spec![i++];
      name = name.trim();
      let sub: FieldTree | true = true;
      if (spec![i] === '(') {
        i++;
        const inner = list();
        if (!inner || spec![i] !== ')') return undefined;
        i++;
        sub = inner;
        // `b(c) ,d`: spaces after a closing parenthesis are as harmless as anywhere else.
        while (spec![i] === ' ' || spec![i] === '\t') i++;
      }
      if (name) own(tree, caseKey(name), mergeTree(ownValue(tree, caseKey(name)), sub));
      if (spec![i] === ',') {
        i++;
        continue;
      }
      return tree;
    }
  }
  const tree = list();
  if (!tree || i !== spec.length) return undefined;
  return Object.keys(tree).length ? tree : undefined;
}

function mergeTree(a: FieldTree | true | undefined, b: FieldTree | true): FieldTree | true {
  if (a === undefined) return b;
  if (a === true || b === true) return true;
  const out: FieldTree = {};
  for (const [k, v] of [...Object.entries(a), ...Object.entries(b)]) own(out, k, v);
  return out;
}

// Names are set and read as own properties only: `__proto__` or `constructor` in the filter are
// plain (unknown) names, never the object's prototype.
function own(tree: FieldTree, key: string, value: FieldTree | true): void {
  Object.defineProperty(tree, key, { value, enumerable: true, writable: true, configurable: true });
}
function ownValue(tree: FieldTree, key: string): FieldTree | true | undefined {
  return Object.hasOwn(tree, key) ? tree[key] : undefined;
}

// Kibo field names are matched without regard to case (`AccessToken` = `accessToken`).
const caseKey = (s: string) => s.toLowerCase();

/** Applies a parsed filter to a JSON value. */
export function applyResponseFields(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((v) => applyResponseFields(v, tree));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const rule = ownValue(tree, caseKey(k));
    if (rule === undefined) continue;
    out[k] = rule === true ? v : applyResponseFields(v, rule);
  }
  return out;
}
