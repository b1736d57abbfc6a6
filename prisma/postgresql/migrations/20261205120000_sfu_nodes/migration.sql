-- SFU nodes sharing one database: which node a live room runs on, and each node's lease (room-nodes.ts).
ALTER TABLE "Room" ADD COLUMN "nodeId" TEXT;

CREATE TABLE "SfuNode" (
    "id" TEXT NOT NULL,
    "url" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL,
    "rooms" INTEGER NOT NULL DEFAULT 0,
    "peers" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SfuNode_pkey" PRIMARY KEY ("id")
);
