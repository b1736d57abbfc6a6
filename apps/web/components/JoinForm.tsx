'use client';

import { useEffect, useState } from 'react';
import type { Role } from '@bandmate/shared';
import { listInputDevices } from '../media/microphone';
import { GuestAccess, useGuestAccess, type RoomEntry } from './GuestAccess';

export interface JoinChoice {
  displayName: string;
  role: Role;
  deviceId?: string;
  /** The invite link's token, carried into the join request. */
  invite?: string;
  /** A guest account was just made: signalling must reconnect to present its cookie. */
  newIdentity?: boolean;
}

export function JoinForm(props: { roomName: string; busy: boolean; onJoin: (choice: JoinChoice) => void; entry?: RoomEntry }) {
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('musician');
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [deviceId, setDeviceId] = useState('');
  const access = useGuestAccess(props.entry);
  // A listener invite admits listeners only: the form offers nothing else.
  const listenerOnly = props.entry?.inviteRole === 'listener';
  const roles = listenerOnly ? (['listener'] as const) : (['musician', 'listener'] as const);

  useEffect(() => {
    setDisplayName(localStorage.getItem('bandmate.displayName') ?? '');
    void listInputDevices().then(setDevices);
  }, []);
  useEffect(() => {
    if (listenerOnly) setRole('listener');
  }, [listenerOnly]);
  useEffect(() => {
    if (access.me) setDisplayName((name) => name || access.me!.displayName);
  }, [access.me]);

  return (
    <form
      className="mx-auto flex max-w-md flex-col gap-4 rounded-xl border border-stage-800 bg-stage-900 p-5"
      onSubmit={(e) => {
        e.preventDefault();
        localStorage.setItem('bandmate.displayName', displayName);
        void access.prepare(displayName).then((prepared) => {
          if (prepared) props.onJoin({ displayName, role, deviceId: deviceId || undefined, ...prepared });
        });
      }}
    >
      <h1 className="text-xl font-semibold">Join “{props.roomName}”</h1>
      <GuestAccess access={access} entry={props.entry} />
      <label className="flex flex-col gap-1 text-sm">
        Your name
        <input
          aria-label="Display name"
          className="rounded-md border border-stage-700 bg-stage-950 px-3 py-2 outline-none focus:border-accent"
          value={displayName}
          maxLength={40}
          required
          onChange={(e) => setDisplayName(e.target.value)}
        />
      </label>
      <fieldset className="flex gap-4 text-sm">
        {roles.map((r) => (
          <label key={r} className="flex items-center gap-2">
            <input type="radio" name="role" value={r} checked={role === r} onChange={() => setRole(r)} />
            {r === 'musician' ? 'Play (send my instrument)' : 'Listen only'}
          </label>
        ))}
      </fieldset>
      {role === 'musician' && (
        <label className="flex flex-col gap-1 text-sm">
          Input
          <select
            aria-label="Input device"
            className="rounded-md border border-stage-700 bg-stage-950 px-3 py-2"
            value={deviceId}
            onChange={(e) => setDeviceId(e.target.value)}
          >
            <option value="">Default input</option>
            {devices.map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>
                {d.label || `Input ${i + 1}`}
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="rounded-md bg-amber-500/10 p-2 text-xs text-amber-300">
        🎧 Wear headphones. Echo cancellation is off so your instrument sounds right, which means speakers would feed the band back into your mic.
      </p>
      <button
        type="submit"
        disabled={props.busy || access.busy}
        className="rounded-md bg-accent px-4 py-2 font-medium text-black disabled:opacity-50"
      >
        {props.busy || access.busy ? 'Joining…' : 'Join'}
      </button>
    </form>
  );
}
