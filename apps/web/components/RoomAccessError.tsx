import Link from 'next/link';

/** The room could not be shown (unknown, or private without a valid invite): why, and a way in. */
export function RoomAccessError({ message, roomId, invite }: { message: string; roomId: string; invite?: string }) {
  const here = `/room/${roomId}${invite ? `?invite=${encodeURIComponent(invite)}` : ''}`;
  const isPrivate = /private|invite/i.test(message);
  return (
    <div className="mx-auto flex max-w-md flex-col gap-3">
      <p role="alert" className="text-red-400">
        {message}
      </p>
      {isPrivate && (
        <p className="text-sm text-gray-400">
          Let in before, or the room’s owner?{' '}
          <Link className="text-accent underline" href={`/signin?next=${encodeURIComponent(here)}`}>
            Sign in
          </Link>{' '}
          to enter.
        </p>
      )}
    </div>
  );
}
