/**
 * YAML text parsed once per distinct text. The stack files are read again and again with the same
 * content (each simulation, program evaluation and validation reads both), and the YAML parser
 * took a few milliseconds per file where a copy of the result takes a few microseconds.
 *
 * Same result as `yaml`'s `parse(text)`: each caller gets its own copy (it may change it). Text
 * that does not parse cleanly (an error, or a warning `parse` prints) is parsed by `parse` each
 * time and kept nowhere, so it throws and warns exactly as before.
 */
import { parse, parseDocument } from "yaml";

const MAX_KEPT = 64;
const parsed = new Map<string, unknown>();

export function parseYamlText(text: string): unknown {
  if (!parsed.has(text)) {
    const doc = parseDocument(text);
    if (!doc || doc.errors.length > 0 || doc.warnings.length > 0) return parse(text) as unknown;
    parsed.set(text, doc.toJS());
    if (parsed.size > MAX_KEPT) parsed.delete(parsed.keys().next().value as string);
  }
  return structuredClone(parsed.get(text));
}
