// The parts of node-red-node-test-helper 0.3.6 the tests use (the package ships no types).
declare module "node-red-node-test-helper" {
  interface TestNode {
    on(event: string, listener: (...args: never[]) => void): void;
    receive(msg: Record<string, unknown>): void;
    [key: string]: unknown;
  }
  interface Helper {
    init(nodeRedPath: string, userSettings?: Record<string, unknown>): void;
    settings(userSettings: Record<string, unknown>): Record<string, unknown>;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    load(nodes: unknown, flow: unknown, credentials?: unknown): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): TestNode;
    clearFlows(): Promise<void>;
    request(): { get(path: string): unknown; post(path: string): unknown };
    url(): string;
    log(): { args: unknown[][] } & Record<string, unknown>;
  }
  const helper: Helper;
  export = helper;
}
