/// The catalog queries behind `schemaSnapshot()` of the PostgreSQL drivers.
///
/// Every query returns the same six columns: kind, qualified name, parent kind, parent name, definition, and
/// the OID of the table the object belongs to (only used to leave out the version and history tables, never
/// shown). Names are `quote_ident`ed, so they are quoted exactly when SQL needs it. Definitions come from the
/// server's own deparsers (`pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_viewdef`, `pg_get_functiondef`,
/// `pg_get_triggerdef`, `pg_get_expr`, `format_type`), which never print OIDs, run with a fixed `search_path`
/// so every name they print is schema-qualified whatever the user's settings.
///
/// A comment row's name is the described object (`table public.accounts`), and its parent columns hold that
/// object's kind and name until the driver resolves them.
package enum PostgresSchemaQueries {
    /// Schemas that are not the system's own.
    static func userSchema(_ alias: String) -> String {
        "\(alias).nspname NOT LIKE 'pg\\_%' AND \(alias).nspname <> 'information_schema'"
    }

    /// The object is not a member of an extension (which makes and drops it; its definition is not ours).
    static func notInExtension(_ catalog: String, _ oid: String) -> String {
        """
        NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '\(catalog)'::regclass AND e.objid = \(oid) \
        AND e.deptype = 'e')
        """
    }

    static func qualified(_ namespace: String, _ name: String) -> String {
        "quote_ident(\(namespace).nspname) || '.' || quote_ident(\(name))"
    }

    /// The snapshot's kind of a relation.
    static func relationKind(_ alias: String) -> String {
        """
        CASE \(alias).relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' \
        WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'c' THEN 'type' ELSE 'table' END
        """
    }

    /// Relation `c` (schema `n`) is a user relation of one of `kinds` (`'r', 'p'`).
    static func relation(_ kinds: String) -> String {
        "c.relkind IN (\(kinds)) AND \(userSchema("n")) AND \(notInExtension("pg_class", "c.oid"))"
    }

    static let relationJoin = "JOIN pg_namespace n ON n.oid = c.relnamespace"

    /// A collation's name, schema-qualified unless it is built in.
    static func collation(_ oid: String) -> String {
        """
        (SELECT CASE WHEN cn.nspname <> 'pg_catalog' THEN quote_ident(cn.nspname) || '.' ELSE '' END \
        || quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace \
        WHERE co.oid = \(oid))
        """
    }

    /// `(col, col)` of the live columns of relation `oid`, in table order.
    static func columnList(_ oid: String) -> String {
        """
        '(' || coalesce((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a \
        WHERE a.attrelid = \(oid) AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'
        """
    }

    static let schemas = """
        SELECT 'schema', quote_ident(n.nspname), NULL::text, NULL::text, '', 0::bigint
        FROM pg_namespace n WHERE \(userSchema("n")) AND \(notInExtension("pg_namespace", "n.oid"))
        """

    /// plpgsql is in every database; the version is left out: an upgrade is not a schema change.
    static let extensions = """
        SELECT 'extension', quote_ident(x.extname), NULL, NULL, 'SCHEMA ' || quote_ident(n.nspname), 0::bigint
        FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname <> 'plpgsql'
        """

    /// Types made by CREATE TYPE and CREATE DOMAIN: not the row types of tables, arrays or multiranges.
    static let types = """
        SELECT 'type', \(qualified("n", "t.typname")), NULL, NULL,
          CASE t.typtype
          WHEN 'e' THEN 'ENUM (' || coalesce((SELECT string_agg(quote_literal(l.enumlabel), ', ' ORDER BY l.enumsortorder)
            FROM pg_enum l WHERE l.enumtypid = t.oid), '') || ')'
          WHEN 'c' THEN 'COMPOSITE (' || coalesce((SELECT string_agg(quote_ident(a.attname) || ' '
            || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attcollation <> at.typcollation
            THEN ' COLLATE ' || \(collation("a.attcollation")) ELSE '' END, ', ' ORDER BY a.attnum)
            FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
            WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'
          WHEN 'd' THEN concat_ws(' ', 'DOMAIN ' || format_type(t.typbasetype, t.typtypmod),
            CASE WHEN t.typcollation <> b.typcollation THEN 'COLLATE ' || \(collation("t.typcollation")) END,
            CASE WHEN t.typnotnull THEN 'NOT NULL' END,
            'DEFAULT ' || pg_get_expr(t.typdefaultbin, 0),
            (SELECT string_agg('CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid), ' '
              ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid))
          WHEN 'r' THEN 'RANGE (SUBTYPE = ' || format_type(r.rngsubtype, NULL)
            || coalesce(', COLLATION = ' || \(collation("nullif(r.rngcollation, 0)")), '')
            || coalesce(', SUBTYPE_DIFF = ' || nullif(r.rngsubdiff::oid, 0)::regproc::text, '') || ')'
          END, 0::bigint
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        LEFT JOIN pg_class c ON c.oid = t.typrelid LEFT JOIN pg_type b ON b.oid = t.typbasetype
        LEFT JOIN pg_range r ON r.rngtypid = t.oid
        WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
          AND \(userSchema("n")) AND \(notInExtension("pg_type", "t.oid"))
        """

    /// A serial column's sequence is listed under its table; an identity column's sequence not at all (the
    /// column says `GENERATED ... AS IDENTITY`).
    static let sequences = """
        SELECT 'sequence', \(qualified("n", "c.relname")), CASE WHEN o.oid IS NOT NULL THEN \(relationKind("o")) END,
          \(qualified("own", "o.relname")),
          concat_ws(' ', 'AS ' || format_type(s.seqtypid, NULL), 'INCREMENT ' || s.seqincrement, 'MINVALUE ' || s.seqmin,
            'MAXVALUE ' || s.seqmax, 'START ' || s.seqstart, 'CACHE ' || s.seqcache,
            CASE WHEN s.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END,
            'OWNED BY ' || \(qualified("own", "o.relname")) || '.' || quote_ident(a.attname)),
          coalesce(o.oid, c.oid)::bigint
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \(relationJoin)
        LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
        LEFT JOIN pg_class o ON o.oid = d.refobjid LEFT JOIN pg_namespace own ON own.oid = o.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE \(relation("'S'"))
          AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid
            AND i.deptype = 'i')
        """

    static let tables = """
        SELECT 'table', \(qualified("n", "c.relname")), NULL, NULL,
          concat_ws(' ', \(columnList("c.oid")),
            CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED' END,
            CASE WHEN c.relispartition THEN 'PARTITION OF ' || (SELECT string_agg(i.inhparent::regclass::text, ', ')
              FROM pg_inherits i WHERE i.inhrelid = c.oid) || ' ' || pg_get_expr(c.relpartbound, c.oid) END,
            CASE WHEN NOT c.relispartition AND EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
              THEN 'INHERITS (' || (SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno)
              FROM pg_inherits i WHERE i.inhrelid = c.oid) || ')' END,
            CASE WHEN c.relkind = 'p' THEN 'PARTITION BY ' || pg_get_partkeydef(c.oid) END,
            (SELECT 'SERVER ' || quote_ident(s.srvname) || coalesce(' OPTIONS (' || array_to_string(f.ftoptions, ', ')
              || ')', '') FROM pg_foreign_table f JOIN pg_foreign_server s ON s.oid = f.ftserver WHERE f.ftrelid = c.oid),
            'WITH (' || array_to_string(c.reloptions, ', ') || ')',
            CASE WHEN c.relrowsecurity THEN 'ROW LEVEL SECURITY' END,
            CASE WHEN c.relforcerowsecurity THEN 'FORCE ROW LEVEL SECURITY' END),
          c.oid::bigint
        FROM pg_class c \(relationJoin) WHERE \(relation("'r', 'p', 'f'"))
        """

    static let columns = """
        SELECT 'column', \(qualified("n", "c.relname")) || '.' || quote_ident(a.attname), 'table', \(qualified("n", "c.relname")),
          concat_ws(' ', format_type(a.atttypid, a.atttypmod),
            CASE WHEN a.attcollation <> t.typcollation THEN 'COLLATE ' || \(collation("a.attcollation")) END,
            CASE WHEN a.attnotnull THEN 'NOT NULL' END,
            CASE WHEN a.attgenerated = 's' THEN 'GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED'
              WHEN a.atthasdef THEN 'DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) END,
            CASE a.attidentity WHEN 'a' THEN 'GENERATED ALWAYS AS IDENTITY'
              WHEN 'd' THEN 'GENERATED BY DEFAULT AS IDENTITY' END),
          c.oid::bigint
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \(relationJoin) JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE \(relation("'r', 'p', 'f'")) AND a.attnum > 0 AND NOT a.attisdropped
        """

    /// Constraint triggers are listed as triggers.
    static let constraints = """
        SELECT 'constraint', \(qualified("n", "c.relname")) || '.' || quote_ident(k.conname), \(relationKind("c")),
          \(qualified("n", "c.relname")), pg_get_constraintdef(k.oid), c.oid::bigint
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \(relationJoin)
        WHERE \(relation("'r', 'p', 'f'")) AND k.contype <> 't'
        """

    /// Indexes that implement a primary key, unique or exclusion constraint are that constraint.
    static let indexes = """
        SELECT 'index', \(qualified("n", "x.relname")), \(relationKind("c")), \(qualified("n", "c.relname")),
          pg_get_indexdef(i.indexrelid), c.oid::bigint
        FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid \(relationJoin)
        WHERE \(relation("'r', 'p', 'm'"))
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
        """

    static let views = """
        SELECT \(relationKind("c")), \(qualified("n", "c.relname")), NULL, NULL,
          concat_ws(E'\\n', 'WITH (' || array_to_string(c.reloptions, ', ') || ')', pg_get_viewdef(c.oid, true)), c.oid::bigint
        FROM pg_class c \(relationJoin) WHERE \(relation("'v', 'm'"))
        """

    /// Functions, procedures and aggregates; not the functions a type made for itself (range constructors).
    static let routines = """
        SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
          \(qualified("n", "p.proname")) || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL, NULL,
          CASE WHEN p.prokind = 'a' THEN (SELECT concat_ws(' ', 'SFUNC = ' || g.aggtransfn::regproc::text,
              'STYPE = ' || format_type(g.aggtranstype, NULL),
              'FINALFUNC = ' || nullif(g.aggfinalfn::oid, 0)::regproc::text,
              'COMBINEFUNC = ' || nullif(g.aggcombinefn::oid, 0)::regproc::text,
              'INITCOND = ' || quote_literal(g.agginitval), 'SORTOP = ' || nullif(g.aggsortop, 0)::regoperator::text)
            FROM pg_aggregate g WHERE g.aggfnoid = p.oid)
          ELSE pg_get_functiondef(p.oid) END, 0::bigint
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE \(userSchema("n"))
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
            AND e.deptype IN ('e', 'i'))
        """

    static let triggers = """
        SELECT 'trigger', \(qualified("n", "c.relname")) || '.' || quote_ident(t.tgname), \(relationKind("c")),
          \(qualified("n", "c.relname")),
          pg_get_triggerdef(t.oid) || CASE t.tgenabled WHEN 'D' THEN ' (DISABLED)' WHEN 'R' THEN ' (ENABLE REPLICA)'
            WHEN 'A' THEN ' (ENABLE ALWAYS)' ELSE '' END,
          c.oid::bigint
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \(relationJoin)
        WHERE \(relation("'r', 'p', 'f', 'v'")) AND NOT t.tgisinternal
        """

    static let policies = """
        SELECT 'policy', \(qualified("n", "c.relname")) || '.' || quote_ident(p.polname), \(relationKind("c")),
          \(qualified("n", "c.relname")),
          concat_ws(' ', CASE WHEN p.polpermissive THEN 'AS PERMISSIVE' ELSE 'AS RESTRICTIVE' END,
            'FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
              WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
            'TO ' || (SELECT string_agg(role, ', ' ORDER BY role) FROM (SELECT CASE WHEN r.id = 0 THEN 'PUBLIC'
              ELSE quote_ident(pg_get_userbyid(r.id)) END AS role FROM unnest(p.polroles) AS r(id)) roles),
            'USING (' || pg_get_expr(p.polqual, p.polrelid) || ')',
            'WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')'),
          c.oid::bigint
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid \(relationJoin) WHERE \(relation("'r', 'p', 'f'"))
        """

    /// Comments, named after the object they describe; the driver keeps those whose object is in the
    /// snapshot. Not those of extensions: the extension sets its own, and changes it with its version.
    static let comments = """
        SELECT 'comment', target.kind || ' ' || target.name, target.kind, target.name, quote_literal(d.description), 0::bigint
        FROM pg_description d
        JOIN LATERAL (
          SELECT CASE WHEN d.objsubid = 0 THEN \(relationKind("c")) ELSE 'column' END AS kind,
            \(qualified("n", "c.relname")) || CASE WHEN d.objsubid = 0 THEN '' ELSE '.' || quote_ident(a.attname) END AS name
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
          WHERE d.classoid = 'pg_class'::regclass AND c.oid = d.objoid AND \(userSchema("n"))
          UNION ALL
          SELECT 'schema', quote_ident(n.nspname) FROM pg_namespace n
          WHERE d.classoid = 'pg_namespace'::regclass AND n.oid = d.objoid AND \(userSchema("n"))
          UNION ALL
          SELECT 'type', \(qualified("n", "t.typname")) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE d.classoid = 'pg_type'::regclass AND t.oid = d.objoid AND \(userSchema("n"))
          UNION ALL
          SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
            \(qualified("n", "p.proname")) || '(' || pg_get_function_identity_arguments(p.oid) || ')'
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE d.classoid = 'pg_proc'::regclass AND p.oid = d.objoid AND \(userSchema("n"))
          UNION ALL
          SELECT 'constraint', \(qualified("n", "c.relname")) || '.' || quote_ident(k.conname)
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE d.classoid = 'pg_constraint'::regclass AND k.oid = d.objoid AND \(userSchema("n"))
          UNION ALL
          SELECT 'trigger', \(qualified("n", "c.relname")) || '.' || quote_ident(t.tgname)
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE d.classoid = 'pg_trigger'::regclass AND t.oid = d.objoid AND \(userSchema("n"))
          UNION ALL
          SELECT 'policy', \(qualified("n", "c.relname")) || '.' || quote_ident(p.polname)
          FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE d.classoid = 'pg_policy'::regclass AND p.oid = d.objoid AND \(userSchema("n"))
        ) target ON true
        """

    package static let all = [
        schemas, extensions, types, sequences, tables, columns, constraints, indexes, views, routines, triggers,
        policies, comments,
    ]
}
