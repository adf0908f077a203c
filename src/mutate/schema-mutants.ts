import type { ColumnDef, Constraint, CreateStmt, IndexStmt, Node } from 'libpg-query';
import type { FileMutant } from './mutant.js';
import { loadParser, parseStatements, rewriteStatement, sqlFragment, stringOf, type Statement } from './sql-ast.js';

/**
 * The schema mutant catalogue: the migrations with one constraint weakened or changed — an FK's
 * ON DELETE action, a CHECK, a NOT NULL, a DEFAULT, a UNIQUE — the rules the queries lean on
 * without saying so.
 */

interface SourceFile {
  readonly name: string;
  readonly text: string;
}

/**
 * Every mutant of the migrations (by base name), in file order, statement order, then as the
 * statement lists its columns and constraints. Id: `schema:<table>.<column or constraint>:<operator>`,
 * with `:<n>` (from 1) when one column has several constraints of a kind. Only CREATE TABLE and
 * CREATE INDEX statements on the migrations' own tables are mutated.
 */
export async function schemaMutants(migrations: readonly SourceFile[]): Promise<FileMutant[]> {
  await loadParser();
  const parsed = migrations.map((file) => ({ file, statements: parseStatements(file.text) }));
  const tables = new Set(parsed.flatMap(({ statements }) => statements.flatMap(({ node }) => ('CreateStmt' in node ? [node.CreateStmt.relation?.relname] : []))));
  const mutants: FileMutant[] = [];
  for (const { file, statements } of parsed) {
    for (const statement of statements) mutants.push(...statementMutants(file, statement, tables));
  }
  return numbered(mutants);
}

/** One change to a migration statement. */
interface Edit {
  /** `<table>.<column or constraint>:<operator>`. */
  readonly id: string;
  readonly change: string;
  readonly apply: () => void;
}

function statementMutants(file: SourceFile, statement: Statement, tables: ReadonlySet<string | undefined>): FileMutant[] {
  const count = edits(structuredClone(statement.node), tables).length;
  const mutants: FileMutant[] = [];
  for (let index = 0; index < count; index++) {
    // Each edit on a fresh copy: the same places are found in the same order every time.
    const tree = structuredClone(statement.node);
    const edit = edits(tree, tables)[index]!;
    edit.apply();
    const rewritten = rewriteStatement(file.text, statement, tree, `schema:${edit.id}`);
    if (rewritten === undefined) continue;
    const subject = edit.id.slice(0, edit.id.indexOf(':'));
    mutants.push({ id: `schema:${edit.id}`, family: 'schema', file: file.name, text: rewritten.text, description: `${subject}: ${edit.change}` });
  }
  return mutants;
}

function edits(tree: Node, tables: ReadonlySet<string | undefined>): Edit[] {
  if ('CreateStmt' in tree) return tableEdits(tree.CreateStmt);
  if ('IndexStmt' in tree && tables.has(tree.IndexStmt.relation?.relname)) return indexEdits(tree.IndexStmt);
  return [];
}

function tableEdits(create: CreateStmt): Edit[] {
  const table = create.relation!.relname!;
  const elements = create.tableElts ?? [];
  const primaryKey = new Set(
    elements.flatMap((element) => {
      if ('Constraint' in element) return element.Constraint.contype === 'CONSTR_PRIMARY' ? names(element.Constraint.keys) : [];
      if ('ColumnDef' in element) return (element.ColumnDef.constraints ?? []).some(isPrimaryKey) ? [element.ColumnDef.colname!] : [];
      return [];
    }),
  );
  const found: Edit[] = [];
  for (const element of elements) {
    if ('ColumnDef' in element) found.push(...columnEdits(table, element.ColumnDef, primaryKey));
    if ('Constraint' in element) {
      const constraint = element.Constraint;
      const subject = `${table}.${constraint.conname ?? defaultConstraintName(table, constraint)}`;
      found.push(...constraintEdits(subject, constraint, () => elements.splice(elements.indexOf(element), 1)));
    }
  }
  return found;
}

function columnEdits(table: string, column: ColumnDef, primaryKey: ReadonlySet<string>): Edit[] {
  const constraints = column.constraints ?? [];
  const subject = `${table}.${column.colname}`;
  const remove = (constraint: Node) => () => {
    constraints.splice(constraints.indexOf(constraint), 1);
    // The parser leaves no empty list behind.
    if (constraints.length === 0) delete column.constraints;
  };
  return constraints.flatMap((node): Edit[] => {
    if (!('Constraint' in node)) return [];
    const constraint = node.Constraint;
    switch (constraint.contype) {
      case 'CONSTR_NOTNULL':
        // A primary key is NOT NULL anyway: dropping the words would change nothing.
        return primaryKey.has(column.colname!) ? [] : [{ id: `${subject}:drop-not-null`, change: 'drops NOT NULL', apply: remove(node) }];
      case 'CONSTR_DEFAULT':
        return [{ id: `${subject}:drop-default`, change: `drops DEFAULT ${sqlFragment(constraint.raw_expr!)}`, apply: remove(node) }];
      default:
        return constraintEdits(subject, constraint, remove(node));
    }
  });
}

/** The edits of a CHECK, UNIQUE or FOREIGN KEY constraint, of a column or of the table. */
function constraintEdits(subject: string, constraint: Constraint, remove: () => void): Edit[] {
  switch (constraint.contype) {
    case 'CONSTR_CHECK':
      return [{ id: `${subject}:drop-check`, change: `drops CHECK (${sqlFragment(constraint.raw_expr!)})`, apply: remove }];
    case 'CONSTR_UNIQUE':
      return [{ id: `${subject}:drop-unique`, change: `drops UNIQUE${constraint.keys ? ` (${names(constraint.keys).join(', ')})` : ''}`, apply: remove }];
    case 'CONSTR_FOREIGN':
      return foreignKeyEdits(subject, constraint);
    default:
      return [];
  }
}

/**
 * ON DELETE actions, as the parser codes them. RESTRICT counts as NO ACTION: they differ only in
 * when the check runs within a statement, which no single-row delete can show.
 */
const ON_DELETE = [
  { code: 'c', operator: 'on-delete-cascade', sql: 'CASCADE' },
  { code: 'n', operator: 'on-delete-set-null', sql: 'SET NULL' },
  { code: 'a', operator: 'on-delete-no-action', sql: 'NO ACTION' },
] as const;

const ON_DELETE_SQL: Readonly<Record<string, string>> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

function foreignKeyEdits(subject: string, constraint: Constraint): Edit[] {
  const current = constraint.fk_del_action ?? 'a';
  const kind = current === 'r' ? 'a' : current;
  const target = constraint.pktable?.relname;
  return ON_DELETE.filter((action) => action.code !== kind).map((action) => ({
    id: `${subject}:${action.operator}`,
    change: `ON DELETE ${ON_DELETE_SQL[current]} becomes ON DELETE ${action.sql} (REFERENCES ${target})`,
    apply: () => (constraint.fk_del_action = action.code),
  }));
}

/** A unique index made plain, and a partial one made total (unique over every row). */
function indexEdits(index: IndexStmt): Edit[] {
  if (!index.unique) return [];
  const subject = `${index.relation!.relname}.${index.idxname}`;
  const found: Edit[] = [{ id: `${subject}:drop-unique`, change: 'the index is no longer UNIQUE', apply: () => delete index.unique }];
  if (index.whereClause !== undefined) {
    found.push({ id: `${subject}:drop-index-predicate`, change: `the unique index drops "WHERE ${sqlFragment(index.whereClause)}": unique over all rows`, apply: () => delete index.whereClause });
  }
  return found;
}

/**
 * The name PostgreSQL gives an unnamed table constraint (`<table>_<columns>_key`, `_fkey`,
 * `_check`), so an id names what an error message would; not truncated to 63 bytes as PostgreSQL does.
 */
function defaultConstraintName(table: string, constraint: Constraint): string {
  const columns = names(constraint.contype === 'CONSTR_FOREIGN' ? constraint.fk_attrs : constraint.keys);
  const suffix = constraint.contype === 'CONSTR_UNIQUE' ? 'key' : constraint.contype === 'CONSTR_FOREIGN' ? 'fkey' : constraint.contype === 'CONSTR_PRIMARY' ? 'pkey' : 'check';
  return [table, ...columns, suffix].join('_');
}

function isPrimaryKey(node: Node): boolean {
  return 'Constraint' in node && node.Constraint.contype === 'CONSTR_PRIMARY';
}

function names(nodes: readonly Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((node) => stringOf(node) ?? []);
}

/** Ids made unique: where several mutants share one (two CHECKs on a column), each gets `:<n>`. */
function numbered(mutants: readonly FileMutant[]): FileMutant[] {
  const total = new Map<string, number>();
  for (const { id } of mutants) total.set(id, (total.get(id) ?? 0) + 1);
  const seen = new Map<string, number>();
  return mutants.map((mutant) => {
    if (total.get(mutant.id) === 1) return mutant;
    const n = (seen.get(mutant.id) ?? 0) + 1;
    seen.set(mutant.id, n);
    return { ...mutant, id: `${mutant.id}:${n}` };
  });
}
