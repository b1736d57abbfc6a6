/* Intentionally empty: mediasoup link_whole's this subproject's library target,
 * but the real library comes from Debian through dependency(). An empty target
 * without sources is deprecated in meson, hence this file. */
