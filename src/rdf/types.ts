/** Shared types of the RDF validator: issues and results. */

type Severity = 'error' | 'warning';

export interface RdfIssue {
  /** Dotted path into the document, e.g. "inputs.0.axes"; "" is the document root. Same as the official validator's location. */
  path: string;
  /** For a rule about a whole mapping (reported at its path, as the official validator does): the field it is about, for positions. */
  at?: string;
  message: string;
  /** 1-based line/column of the node (or of its nearest existing parent when the field is missing). */
  line?: number;
  column?: number;
  severity: Severity;
}

export interface ValidationResult {
  valid: boolean;
  /** `type` from the RDF ("generic" when absent), or undefined when not even that could be read. */
  type?: string;
  format_version?: string;
  errors: RdfIssue[];
  warnings: RdfIssue[];
}

export type Path = readonly (string | number)[];

export function pathString(p: Path): string {
  return p.join('.');
}
