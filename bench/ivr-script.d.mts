export interface IvrScript {
  number: string;
  voice: string;
  locale: string;
  greeting: string;
  menu: {
    prompt: string;
    choices: Array<{ label: string; phrases: string[]; tone: string }>;
    interruptPrompt: boolean;
    initialSilenceTimeoutInSeconds: number;
  };
  hours: string;
  goodbye: string;
}
export declare const ivrScript: IvrScript;
export declare const callerKey: string;
export declare const expectedHeard: string[];
