-- The live session's AI players, so a restarted SFU brings them back (room-resume.ts).
ALTER TABLE "Room" ADD COLUMN "aiLineup" TEXT;
