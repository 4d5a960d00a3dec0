// A short tone per verdict, so a clerk who looked away hears the answer: one high tone for
// VALID, two low for INVALID, a falling pair for CANNOT CONFIRM. Generated with Web Audio, no
// files; a PC without sound output simply stays silent.

export type Tone = { hz: number; ms: number };

export function cue(verdict: "VALID" | "INVALID" | "CANNOT_CONFIRM"): Tone[] {
  switch (verdict) {
    case "VALID":
      return [{ hz: 1320, ms: 120 }];
    case "INVALID":
      return [
        { hz: 330, ms: 180 },
        { hz: 0, ms: 80 },
        { hz: 330, ms: 180 },
      ];
    default:
      return [
        { hz: 880, ms: 150 },
        { hz: 587, ms: 220 },
      ];
  }
}

let context: AudioContext | null = null;

export function play(tones: Tone[]): void {
  try {
    context ??= new AudioContext();
    let at = context.currentTime;
    for (const tone of tones) {
      if (tone.hz > 0) {
        const osc = context.createOscillator();
        const gain = context.createGain();
        osc.frequency.value = tone.hz;
        gain.gain.value = 0.2;
        osc.connect(gain).connect(context.destination);
        osc.start(at);
        osc.stop(at + tone.ms / 1000);
      }
      at += tone.ms / 1000;
    }
  } catch {
    // No audio device: the colours carry the verdict.
  }
}
