-- The host's decisions about people in the live session, so a restarted SFU keeps a removed person out (room-resume.ts).
ALTER TABLE "Room" ADD COLUMN "standing" TEXT;
