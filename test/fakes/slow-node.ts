import { defineNode, Type } from "@wattflow/runtime";

/**
 * Passes messages on one at a time, each after `ms`: a node that still has a
 * queue when the runtime stops or a redeploy restarts or removes it.
 */
export function slowNode(ms: number) {
  return defineNode({
    type: "test-slow",
    category: "test",
    summary: `forwards each message after ${ms} ms, one at a time`,
    config: Type.Object({}),
    inputs: 1,
    outputs: ["out"],
    concurrency: 1,
    create() {
      return {
        input(msg, send, done) {
          setTimeout(() => {
            send(msg);
            done();
          }, ms);
        },
      };
    },
  });
}
