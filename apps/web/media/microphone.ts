import { SAMPLE_RATE } from '@bandmate/shared';

export type MicrophoneProblem = 'denied' | 'not_found' | 'busy' | 'unsupported' | 'unknown';

export class MicrophoneError extends Error {
  constructor(
    readonly problem: MicrophoneProblem,
    message: string,
  ) {
    super(message);
    this.name = 'MicrophoneError';
  }
}

/**
 * Constraints for instruments, not voice calls: the call-oriented processing
 * (echo cancellation, noise suppression, gain control) eats sustained notes and
 * also forces Chrome to downmix to mono.
 */
export function musicConstraints(deviceId?: string): MediaTrackConstraints {
  return {
    deviceId: deviceId ? { exact: deviceId } : undefined,
    echoCancellation: false,
    noiseSuppression: false,
    autoGainControl: false,
    channelCount: { ideal: 2 },
    sampleRate: { ideal: SAMPLE_RATE },
  };
}

export async function openMicrophone(deviceId?: string): Promise<MediaStreamTrack> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new MicrophoneError(
      'unsupported',
      'This browser cannot capture audio here. Use a recent Chrome, Edge or Firefox over https or on localhost.',
    );
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: musicConstraints(deviceId), video: false });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new MicrophoneError('not_found', 'No audio input was found. Connect a microphone or interface.');
    return track;
  } catch (err) {
    throw toMicrophoneError(err);
  }
}

export async function listInputDevices(): Promise<MediaDeviceInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === 'audioinput');
}

function toMicrophoneError(err: unknown): MicrophoneError {
  if (err instanceof MicrophoneError) return err;
  const name = err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MicrophoneError(
        'denied',
        'Microphone permission was denied. Allow it in the address bar, or join as a listener.',
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MicrophoneError('not_found', 'No audio input was found. Connect a microphone or interface.');
    case 'NotReadableError':
    case 'AbortError':
      return new MicrophoneError('busy', 'The microphone is in use by another application or could not be opened.');
    default:
      return new MicrophoneError('unknown', `Could not open the microphone: ${err instanceof Error ? err.message : String(err)}`);
  }
}
