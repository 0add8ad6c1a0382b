/** The SQL dialect a migration writes for (its own file, so that migrations and their index do not import each other). */
export type Dialect = 'sqlite' | 'postgres';
