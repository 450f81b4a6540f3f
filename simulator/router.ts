/**
 * A minimal method + path router. Routes are regular expressions over the raw request path
 * (percent-encoding kept); captured groups are decoded and passed as `params`.
 */
export interface Match<H> {
  handler: H;
  params: string[];
}

export class Router<H> {
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: H }> = [];

  add(method: string, pattern: RegExp, handler: H): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** The handler for a request, "method" when the path exists under another method, or undefined. */
  match(method: string, path: string): Match<H> | "method" | undefined {
    let pathKnown = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        pathKnown = true;
        continue;
      }
      const params = m.slice(1).map((p) => {
        try {
          return decodeURIComponent(p);
        } catch {
          return p;
        }
      });
      return { handler: route.handler, params };
    }
    return pathKnown ? "method" : undefined;
  }
}
