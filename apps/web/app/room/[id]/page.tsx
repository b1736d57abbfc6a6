import { RoomView } from '../../../components/RoomView';
import { sfuLocationFromEnv } from '../../../lib/sfu-url';

export const dynamic = 'force-dynamic';

export default async function RoomPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RoomView roomId={id} sfu={sfuLocationFromEnv()} />;
}
