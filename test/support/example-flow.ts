/**
 * An example flow file as shipped, made observable: a helper node on every output port of our
 * nodes ("id:port"), debug nodes swapped for helpers (their messages are recorded too), the comment
 * dropped, and the acs-config pointed at the test harness's callback server.
 */
import { readFileSync } from "node:fs";
import type { FlowNode } from "./red";

export function instrumentedExample(file: string, callbackBaseUrl: string): FlowNode[] {
  const flow = JSON.parse(readFileSync(file, "utf8")) as FlowNode[];
  const out: FlowNode[] = [];
  for (const node of flow) {
    if (node.type === "acs-config") out.push({ ...node, callbackBaseUrl });
    else if (node.type === "comment") continue;
    else if (node.type === "debug") out.push({ id: node.id, type: "helper", z: node.z, x: 0, y: 0, wires: [] });
    else if (node.type.startsWith("acs-")) {
      const wires = ((node.wires as string[][] | undefined) ?? []).map((port, i) => [...port, `${node.id}:${i}`]);
      out.push({ ...node, wires });
      wires.forEach((_, i) => out.push({ id: `${node.id}:${i}`, type: "helper", z: node.z, x: 0, y: 0, wires: [] }));
    } else out.push(node);
  }
  return out;
}
