/**
 * Values modules hand to the console API at start (e.g. the agent listener's connected-agents
 * source), looked up by name when a procedure runs. The API starts before the modules, so a
 * procedure must cope with a value that is not there (yet): `require` answers 503 naming it.
 */
export class Provided {
  private readonly values = new Map<string, unknown>();

  set(name: string, value: unknown): void {
    if (this.values.has(name)) throw new Error(`two modules provide "${name}"; names must be unique`);
    this.values.set(name, value);
  }

  get<T>(name: string): T | undefined {
    return this.values.get(name) as T | undefined;
  }

  delete(name: string): void {
    this.values.delete(name);
  }
}
