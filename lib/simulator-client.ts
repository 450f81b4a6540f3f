/**
 * Client options that let the real Call Automation SDK talk to the simulator:
 * - `allowInsecureConnection`, because the simulator speaks plain http on loopback;
 * - an `httpClient` that sends recording download and delete requests, which the SDK only allows
 *   to https `*.asm.skype.com` (and Teams) hosts, to the simulator instead. The SDK signs those
 *   requests for the resource endpoint and names it in `x-ms-host`, so the simulator verifies them
 *   like every other request;
 * - the same client sends requests for `https://<simulator host>/` to the simulator over http.
 *   The SDK refuses to send a bearer token to an http URL, so an Entra-authenticated client is
 *   given the simulator's endpoint with https and this client carries it over plain http.
 */
import { createDefaultHttpClient, type HttpClient, type PipelineRequest } from "@azure/core-rest-pipeline";

const RECORDING_HOSTS = [".asm.skype.com", ".asyncgw.teams.microsoft.com", ".ams.gov.teams.microsoft.us"];

export function isRecordingStorageUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return RECORDING_HOSTS.some((suffix) => host.endsWith(suffix));
  } catch {
    return false;
  }
}

/** An HTTP client that reroutes recording storage requests to the simulator at `simulatorEndpoint`. */
export function simulatorHttpClient(simulatorEndpoint: string, inner: HttpClient = createDefaultHttpClient()): HttpClient {
  const target = new URL(simulatorEndpoint);
  return {
    sendRequest(request: PipelineRequest) {
      const url = new URL(request.url);
      if (isRecordingStorageUrl(request.url) || (url.host === target.host && url.protocol === "https:")) {
        url.protocol = target.protocol;
        url.host = target.host;
        request.url = url.toString();
        request.headers.set("Host", target.host);
      }
      if (new URL(request.url).protocol === "http:") request.allowInsecureConnection = true;
      return inner.sendRequest(request);
    },
  };
}

/** CallAutomationClient options for a simulator endpoint. */
export function simulatorClientOptions(simulatorEndpoint: string): { allowInsecureConnection: true; httpClient: HttpClient } {
  return { allowInsecureConnection: true, httpClient: simulatorHttpClient(simulatorEndpoint) };
}
