// libsrtp 3 API (as used by mediasoup >= 3.24) on top of Debian's libsrtp2 2.5.
//
// - libsrtp 3 makes srtp_policy_t an opaque handle built with srtp_policy_*();
//   2.x has a public struct of that name, so the 2.x struct is renamed while
//   its header is included, and the handle points at a heap copy of it.
// - libsrtp 3's protect/unprotect take separate in/out buffers with size_t
//   lengths; 2.x works in place with int*. Those are C++ overloads (different
//   arity) that copy in->out and call the 2.x function, so no symbol clashes.
// - 2.5 lacks two error codes mediasoup names in its error table.
#pragma once

#ifndef __cplusplus
#error "this libsrtp3-on-libsrtp2 shim is C++ only (mediasoup worker)"
#endif

#include <cstdint>
#include <cstdlib>
#include <cstring>

#define srtp_policy_t ms_srtp2_policy_t
#include <srtp2/srtp.h>
#undef srtp_policy_t

using srtp_policy_t = ms_srtp2_policy_t*;

inline constexpr auto srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
inline constexpr auto srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

namespace ms_srtp_shim
{
	// The 2.x policy must stay first: srtp_policy_t points at it and is freed as this.
	struct Policy
	{
		ms_srtp2_policy_t policy;
		unsigned char key[SRTP_MAX_KEY_LEN]; // 2.x wants master key and salt concatenated.
	};

	inline srtp_err_status_t checkedLen(size_t len, int* out)
	{
		if (len > 0x7fffffff)
			return srtp_err_status_bad_param;
		*out = static_cast<int>(len);
		return srtp_err_status_ok;
	}
} // namespace ms_srtp_shim

inline srtp_err_status_t srtp_policy_create(srtp_policy_t* policy)
{
	auto* p = static_cast<ms_srtp_shim::Policy*>(std::calloc(1, sizeof(ms_srtp_shim::Policy)));
	if (!p)
		return srtp_err_status_alloc_fail;
	p->policy.key = p->key;
	*policy       = &p->policy;
	return srtp_err_status_ok;
}

inline void srtp_policy_destroy(srtp_policy_t policy)
{
	std::free(policy); // Same address as the enclosing ms_srtp_shim::Policy.
}

inline srtp_err_status_t srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc)
{
	policy->ssrc = ssrc;
	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile)
{
	srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->rtp, profile);
	if (err != srtp_err_status_ok)
		return err;
	return srtp_crypto_policy_set_from_profile_for_rtcp(&policy->rtcp, profile);
}

inline srtp_err_status_t srtp_policy_add_key(
  srtp_policy_t policy,
  const uint8_t* key,
  size_t keyLen,
  const uint8_t* salt,
  size_t saltLen,
  const uint8_t* mki,
  size_t mkiLen)
{
	// One key, no MKI: all mediasoup asks for.
	if (mki != nullptr || mkiLen != 0 || keyLen + saltLen > SRTP_MAX_KEY_LEN)
		return srtp_err_status_bad_param;
	std::memcpy(policy->key, key, keyLen);
	std::memcpy(policy->key + keyLen, salt, saltLen);
	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow)
{
	policy->allow_repeat_tx = allow ? 1 : 0;
	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_window_size(srtp_policy_t policy, size_t windowSize)
{
	policy->window_size = windowSize;
	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

namespace ms_srtp_shim
{
	using InPlaceFn = srtp_err_status_t (*)(srtp_t, void*, int*);

	// Copies in->out (when they differ) and runs the 2.x in-place function.
	// `room` is what the 2.x function may append (trailer, SRTCP index).
	inline srtp_err_status_t run(
	  InPlaceFn fn, srtp_t ctx, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t room)
	{
		if (*outLen < inLen + room)
			return srtp_err_status_buffer_small;
		int len;
		srtp_err_status_t err = checkedLen(inLen, &len);
		if (err != srtp_err_status_ok)
			return err;
		if (out != in)
			std::memmove(out, in, inLen);
		err = fn(ctx, out, &len);
		if (err != srtp_err_status_ok)
			return err;
		*outLen = static_cast<size_t>(len);
		return srtp_err_status_ok;
	}
} // namespace ms_srtp_shim

// mki_index is ignored: the session is created without MKI (see srtp_policy_add_key).
inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t /*mkiIndex*/)
{
	return ms_srtp_shim::run(::srtp_protect, ctx, rtp, rtpLen, srtp, srtpLen, SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	return ms_srtp_shim::run(::srtp_unprotect, ctx, srtp, srtpLen, rtp, rtpLen, 0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t /*mkiIndex*/)
{
	return ms_srtp_shim::run(
	  ::srtp_protect_rtcp, ctx, rtcp, rtcpLen, srtcp, srtcpLen, SRTP_MAX_TRAILER_LEN + 4);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return ms_srtp_shim::run(::srtp_unprotect_rtcp, ctx, srtcp, srtcpLen, rtcp, rtcpLen, 0);
}
