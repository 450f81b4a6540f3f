/** Assertions on the SDK's RestError. */
import assert from "node:assert/strict";
import { isRestError, type RestError } from "@azure/core-rest-pipeline";

/**
 * Await a promise that must fail with a RestError; check its status (and code) when given.
 * Returns the error for further checks.
 */
export async function expectRestError(promise: Promise<unknown>, status?: number, code?: string): Promise<RestError> {
  try {
    await promise;
  } catch (err) {
    if (!isRestError(err)) throw err;
    if (status !== undefined) assert.equal(err.statusCode, status, `status of ${err.message}`);
    if (code !== undefined) assert.equal(err.code, code, `code of ${err.message}`);
    return err;
  }
  return assert.fail(`expected a RestError${status ? ` ${status}` : ""}${code ? ` ${code}` : ""}, but the call succeeded`);
}
