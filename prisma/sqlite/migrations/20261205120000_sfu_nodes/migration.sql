-- SFU nodes sharing one database: which node a live room runs on, and each node's lease (room-nodes.ts).
ALTER TABLE "Room" ADD COLUMN "nodeId" TEXT;

CREATE TABLE "SfuNode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "url" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" DATETIME NOT NULL,
    "rooms" INTEGER NOT NULL DEFAULT 0,
    "peers" INTEGER NOT NULL DEFAULT 0
);
