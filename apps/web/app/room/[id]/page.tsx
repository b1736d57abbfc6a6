import { RoomView } from '../../../components/RoomView';
import { sfuLocationFromEnv } from '../../../lib/sfu-url';

export const dynamic = 'force-dynamic';

export default async function RoomPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ invite?: string | string[] }>;
}) {
  const { id } = await params;
  // An invite link: /room/<id>?invite=<token>.
  const { invite } = await searchParams;
  return <RoomView roomId={id} sfu={sfuLocationFromEnv()} invite={typeof invite === 'string' ? invite : undefined} />;
}
