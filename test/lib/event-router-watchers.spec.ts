import assert from "node:assert/strict";
import { EventRouter } from "../../lib/event-router";

describe("EventRouter.watchers (listeners on a call, for leak checks)", () => {
  it("counts each call's watchers as they come and go, and none once the call has ended", () => {
    const router = new EventRouter();
    assert.equal(router.watchers("c1"), 0);
    const stopA = router.watchCall("c1", () => undefined);
    const stopB = router.watchCall("c1", () => undefined);
    router.watchCall("c2", () => undefined);
    assert.equal(router.watchers("c1"), 2);
    assert.equal(router.watchers("c2"), 1);
    stopA();
    assert.equal(router.watchers("c1"), 1);
    stopB();
    stopB();
    assert.equal(router.watchers("c1"), 0);
    router.dispatch({ id: "e1", type: "CallDisconnected", callConnectionId: "c2" });
    assert.equal(router.watchers("c2"), 0);
  });
});
