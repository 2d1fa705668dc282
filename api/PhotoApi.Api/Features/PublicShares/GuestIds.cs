using System.Security.Cryptography;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.PublicShares;

/// <summary>
/// The ids a link's guests see. Asset ids are UUIDv7, whose first 48 bits are the upload time to the millisecond; guests
/// get each id encrypted instead — one AES-256 block, so it is reversible, random-looking and still a uuid — under a key of
/// the link's own, derived by HMAC from the server's media-signing key and the share id. The same asset has another id
/// through another link, and an id not made for this link decrypts to one the link does not show (404).
/// <para>List cursors hold the last row's time taken and id: they are sealed with AES-GCM under a second key of the link's,
/// so guests can neither read nor forge them.</para>
/// </summary>
public sealed class GuestIds : IDisposable
{
    private const int NonceBytes = 12, TagBytes = 16, CursorBytes = 8 + 16;

    private readonly Aes _ids;
    private readonly AesGcm _cursors;

    private GuestIds(byte[] idKey, byte[] cursorKey)
    {
        _ids = Aes.Create();
        _ids.Key = idKey;
        _cursors = new AesGcm(cursorKey, TagBytes);
    }

    public static async Task<GuestIds> ForAsync(MediaSigner signer, ShareLink link, CancellationToken ct) =>
        new(Secrets.FromBase64Url(await signer.MacAsync($"guest-asset-ids:{link.Id:N}", ct)),
            Secrets.FromBase64Url(await signer.MacAsync($"guest-cursors:{link.Id:N}", ct)));

    /// <summary>The id guests of this link know the asset by.</summary>
    public Guid Hide(Guid assetId) => Transform(assetId, encrypt: true);

    /// <summary>The asset a guest's id names (for an id not made for this link, one that names nothing the link shows).</summary>
    public Guid Reveal(Guid guestId) => Transform(guestId, encrypt: false);

    private Guid Transform(Guid id, bool encrypt)
    {
        Span<byte> input = stackalloc byte[16], output = stackalloc byte[16];
        id.TryWriteBytes(input, bigEndian: true, out _);
        if (encrypt) _ids.EncryptEcb(input, output, PaddingMode.None);
        else _ids.DecryptEcb(input, output, PaddingMode.None);
        return new Guid(output, bigEndian: true);
    }

    /// <summary>A sealed cursor after (<paramref name="takenAt"/>, <paramref name="assetId"/>).</summary>
    public string Cursor(DateTime takenAt, Guid assetId)
    {
        var sealedBytes = new byte[NonceBytes + CursorBytes + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        Span<byte> plain = stackalloc byte[CursorBytes];
        BitConverter.TryWriteBytes(plain[..8], takenAt.Ticks);
        assetId.TryWriteBytes(plain[8..], bigEndian: true, out _);
        _cursors.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, CursorBytes), sealedBytes.AsSpan(NonceBytes + CursorBytes));
        return Secrets.Base64Url(sealedBytes);
    }

    /// <summary>The position a cursor of <see cref="Cursor"/> names; 400 <c>validation.failed</c> for anything else.</summary>
    public (DateTime? TakenAt, Guid AfterId) ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return (null, Guid.Empty);
        try
        {
            var sealedBytes = Secrets.FromBase64Url(cursor);
            if (sealedBytes.Length != NonceBytes + CursorBytes + TagBytes) throw new FormatException();
            Span<byte> plain = stackalloc byte[CursorBytes];
            _cursors.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, CursorBytes), sealedBytes.AsSpan(NonceBytes + CursorBytes), plain);
            return (new DateTime(BitConverter.ToInt64(plain[..8]), DateTimeKind.Utc), new Guid(plain[8..], bigEndian: true));
        }
        catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
        {
            throw ApiException.Validation("cursor", "The cursor is not one this API returned.");
        }
    }

    public void Dispose()
    {
        _ids.Dispose();
        _cursors.Dispose();
    }
}
