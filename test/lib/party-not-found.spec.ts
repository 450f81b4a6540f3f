import assert from "node:assert/strict";
import { RestError } from "@azure/core-rest-pipeline";
import { CallEndedError } from "../../lib/acs-errors";
import { isMissingParty, isNotFound, isPartyNotFound } from "../../lib/party-not-found";

const restError = (statusCode: number, code: string, message: string) => new RestError(message, { statusCode, code });

describe("party-not-found", () => {
  it("knows ACS's not-found answers", () => {
    assert.equal(isNotFound(restError(404, "8522", "Participant not found.")), true);
    assert.equal(isNotFound(restError(400, "8522", "Not found.")), true);
    assert.equal(isNotFound(restError(400, "8523", "Invalid argument.")), false);
    assert.equal(isNotFound(restError(400, "8528", "Call terminated.")), false);
    assert.equal(isNotFound(new CallEndedError("c1")), false);
    assert.equal(isNotFound("404"), false);
  });

  it("a not-found in a call that is still up is about the party", async () => {
    let asked = 0;
    const up = async () => {
      asked += 1;
      return true;
    };
    assert.equal(await isPartyNotFound(restError(404, "8522", "Participant not found."), up), true);
    assert.equal(asked, 1);
  });

  it("a not-found when the call is gone, or cannot be asked about, is not about the party", async () => {
    assert.equal(await isPartyNotFound(restError(404, "8522", "Call not found."), async () => false), false);
    assert.equal(
      await isPartyNotFound(restError(404, "8522", "Call not found."), async () => {
        throw restError(404, "8522", "Call not found.");
      }),
      false,
    );
  });

  it("does not ask about the call for other errors", async () => {
    let asked = false;
    const up = async () => {
      asked = true;
      return true;
    };
    assert.equal(await isPartyNotFound(restError(403, "7507", "Invalid call source identity."), up), false);
    assert.equal(await isPartyNotFound(new Error("socket hang up"), up), false);
    assert.equal(asked, false);
  });

  it("after the service's own check, a not-found that is not the call's end is a missing party", () => {
    assert.equal(isMissingParty(restError(404, "8522", "Participant not found.")), true);
    assert.equal(isMissingParty(new CallEndedError("c1")), false);
    assert.equal(isMissingParty(restError(400, "8528", "Action is invalid when call is not in Established state.")), false);
    assert.equal(isMissingParty(restError(403, "7507", "Invalid call source identity.")), false);
  });
});
