-- The live session's host, so a restarted SFU hands the role back (room-registry.ts).
ALTER TABLE "Room" ADD COLUMN "hostPeerId" TEXT;
