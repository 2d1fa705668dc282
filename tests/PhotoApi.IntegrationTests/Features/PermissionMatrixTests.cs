using System.IO.Compression;
using System.Net.Http.Json;
using System.Security.Cryptography;
using PhotoApi.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// The permission matrix of albums, selections, shares and partners, through HTTP against PostgreSQL: every caller (the
/// owner; a Viewer, Downloader and Provider invited directly or as a member of an invited group; the owner's partner; a
/// stranger; the admin; an anonymous client) × every operation × every target kind (manual album, conditional album,
/// selection share). Each test builds its scenario once and walks its cells; a failure names every failing cell
/// ("group viewer downloadAsset on selection: expected …"), not only the first.
/// </summary>
/// <remarks>
/// Conditional albums take Viewers and Downloaders only: offering a Provider is refused when sharing (a cell of its own),
/// so the Provider rows are absent from the conditional album's cells.
/// </remarks>
[Collection(ApiCollection.Name)]
public sealed class PermissionMatrixTests(ApiFactory api, ITestOutputHelper output) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Viewing_and_downloading_follow_each_callers_role()
    {
        var m = new Matrix();
        var w = await BuildAsync(m, thumbnails: true);

        foreach (var kind in Kinds)
        {
            var t = w.Targets[kind];
            foreach (var caller in CallersOf(kind))
            {
                var client = w.Client(caller);
                var role = RoleOn(caller, kind);
                var sees = role is not null;
                var seesAsset = SeesAsset(caller, kind);
                var downloadsAsset = DownloadsAsset(caller, kind);
                string Cell(string operation) => $"{Name(caller)} {operation} on {Name(kind)}";

                await m.Check(Cell("getAlbum"), sees ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/albums/{t.AlbumId}"), async r =>
                {
                    var album = await r.Json<Album>();
                    Assert.Equal((KindOf(kind), role, 1, caller == Caller.Owner ? t.ShareId : (Guid?)null),
                        (album.Kind, (string?)album.Role, album.AssetCount, album.ShareId));
                });
                await m.Check(Cell("listAlbumAssets"), sees ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/albums/{t.AlbumId}/assets"), async r =>
                {
                    var entry = Assert.Single((await r.Json<Page<AlbumEntry>>()).Items);
                    Assert.Equal((t.AssetId, kind == Kind.Conditional ? null : (Guid?)w.Owner.UserId), (entry.Asset.Id, entry.AddedBy));
                    Assert.NotNull(entry.Asset.Urls.Thumbnail);
                    Assert.Equal(downloadsAsset, entry.Asset.Urls.Original is not null);
                });
                await m.Check(Cell("listAssets?albumId"), sees ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/assets?albumId={t.AlbumId}"), async r =>
                    Assert.Equal([t.AssetId], (await r.Json<Page<Asset>>()).Items.Select(a => a.Id)));
                // Selections are reached through their share, never listed as albums (not even for their owner).
                await m.Check(Cell("listAlbums"), SignedIn(caller), () => client.GetAsync("/api/v1/albums?limit=1000"), async r =>
                    Assert.Equal(sees && kind != Kind.Selection, (await r.Json<Page<Album>>()).Items.Any(a => a.Id == t.AlbumId)));
                await m.Check(Cell("listSharedWithMe"), SignedIn(caller), () => client.GetAsync("/api/v1/sharing/with-me?limit=1000"), async r =>
                {
                    var item = (await r.Json<SharedWithMePage>()).Groups.SelectMany(g => g.Items).SingleOrDefault(i => i.AlbumId == t.AlbumId);
                    if (InvitedRole(caller) is null || !sees) Assert.Null(item);
                    else Assert.Equal($"{(kind == Kind.Selection ? "selection" : "album")} {t.ShareId} {role}", $"{item?.Kind} {item?.ShareId} {item?.Role}");
                });

                // The asset it shows. The partner sees it too, by the partner rule (it is the owner's personal asset).
                await m.Check(Cell("getAsset"), seesAsset ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/assets/{t.AssetId}"), async r =>
                {
                    var asset = await r.Json<Asset>();
                    Assert.Equal((t.AssetId, w.Owner.UserId), (asset.Id, asset.OwnerId));
                    Assert.NotNull(asset.Urls.Thumbnail);
                    Assert.Equal(downloadsAsset, asset.Urls.Original is not null); // a Viewer gets no original to download
                });
                await m.Check(Cell("getAssetThumbnail"), seesAsset ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/assets/{t.AssetId}/thumbnail"), async r =>
                {
                    Assert.Equal("image/webp", r.Content.Headers.ContentType?.MediaType);
                    Assert.NotEmpty(await r.Content.ReadAsByteArrayAsync());
                });
                await m.Check(Cell("downloadAsset"), downloadsAsset ? Expect.Ok : Refused(seesAsset, caller),
                    () => client.GetAsync($"/api/v1/assets/{t.AssetId}/original"), r => ShouldBeOriginalOf(r, w.Checksums[t.AssetId]));
                await m.Check(Cell("downloadArchive{albumId}"), DownloadsAlbum(caller, kind) ? Expect.Ok : Refused(sees, caller),
                    () => client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId = t.AlbumId }), r => ShouldBeZipOf(r, 1));
                // A Viewer sees the asset, so the archive of it is refused with 403 (as downloadAsset is), not hidden.
                await m.Check(Cell("downloadArchive{assetIds}"), downloadsAsset ? Expect.Ok : Refused(seesAsset, caller),
                    () => client.PostAsJsonAsync("/api/v1/downloads/archive", new { assetIds = new[] { t.AssetId } }), r => ShouldBeZipOf(r, 1));
            }
        }

        // An asset of the owner's that no album shows: the owner's and the partner's alone; invitees do not see it.
        foreach (var caller in AllCallers)
        {
            var client = w.Client(caller);
            var sees = caller is Caller.Owner or Caller.Partner;
            string Cell(string operation) => $"{Name(caller)} {operation} on a personal asset";
            await m.Check(Cell("getAsset"), sees ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/assets/{w.PersonalAsset}"), async r =>
            {
                var asset = await r.Json<Asset>();
                Assert.Equal((w.PersonalAsset, true), (asset.Id, asset.Urls.Original is not null));
            });
            await m.Check(Cell("downloadAsset"), sees ? Expect.Ok : Hidden(caller),
                () => client.GetAsync($"/api/v1/assets/{w.PersonalAsset}/original"), r => ShouldBeOriginalOf(r, w.Checksums[w.PersonalAsset]));
            await m.Check(Cell("downloadArchive{assetIds}"), sees ? Expect.Ok : Hidden(caller),
                () => client.PostAsJsonAsync("/api/v1/downloads/archive", new { assetIds = new[] { w.PersonalAsset } }), r => ShouldBeZipOf(r, 1));
            // The owner's whole library is browsed by their partner only (the owner is not their own partner).
            await m.Check($"{Name(caller)} listAssets?partnerId=owner", caller == Caller.Partner ? Expect.Ok : Hidden(caller),
                () => client.GetAsync($"/api/v1/assets?partnerId={w.Owner.UserId}"), async r =>
                    Assert.Equal(w.Checksums.Keys.Order(), (await r.Json<Page<Asset>>()).Items.Select(a => a.Id).Order()));
        }
        await m.Check("partner listSharedWithMe shows the owner's library", Expect.Ok, () => w.Client(Caller.Partner).GetAsync("/api/v1/sharing/with-me"), async r =>
        {
            var item = Assert.Single((await r.Json<SharedWithMePage>()).Groups.SelectMany(g => g.Items));
            Assert.Equal(("partner", "partner", w.Owner.UserId), (item.Kind, item.Role, item.Owner.Id));
        });

        Finish(m);
    }

    [Fact]
    public async Task Adding_and_removing_entries_follow_each_callers_role()
    {
        var m = new Matrix();
        var w = await BuildAsync(m);
        var owner = w.Owner;
        // Every signed-in caller brings assets of their own (Providers and the owner two: one to remove themselves, one for the owner).
        var uploads = await Task.WhenAll(AllCallers.Where(c => c != Caller.Anonymous).Select(async c =>
        {
            var count = c == Caller.Owner || InvitedRole(c) == "provider" ? 2 : 1;
            var ids = new Guid[count];
            for (var i = 0; i < count; i++) ids[i] = await w.Users[c].UploadUniqueAsync();
            return (Caller: c, Ids: ids);
        }));
        var mine = uploads.ToDictionary(u => u.Caller, u => u.Ids);
        var strangers = mine[Caller.Stranger][0];

        // addAlbumAssets with the caller's own assets.
        foreach (var kind in Kinds)
        {
            var t = w.Targets[kind];
            foreach (var caller in CallersOf(kind))
            {
                var sees = SeesAlbum(caller, kind);
                var ids = caller == Caller.Anonymous ? [Guid.NewGuid()] : mine[caller];
                var expect = kind == Kind.Conditional ? (sees ? Expect.NotManual : Hidden(caller))
                    : AddsTo(caller, kind) ? Expect.Ok : Refused(sees, caller);
                await m.Check($"{Name(caller)} addAlbumAssets(own assets) on {Name(kind)}", expect,
                    () => w.Client(caller).PutAsJsonAsync($"/api/v1/albums/{t.AlbumId}/assets", new { assetIds = ids }), async r =>
                    {
                        var added = await r.Json<AddedEntries>();
                        Assert.Equal(ids.Order(), added.Added.Order());
                        Assert.Empty(added.AlreadyInAlbum);
                    });
            }
            // What the album holds now: its first asset and the assets of those allowed to add, each remembered as added by them.
            await m.That($"entries of {Name(kind)} after the add cells", async () =>
            {
                var expected = new Dictionary<Guid, Guid?> { [t.AssetId] = kind == Kind.Conditional ? null : owner.UserId };
                foreach (var caller in CallersOf(kind).Where(c => AddsTo(c, kind)))
                    foreach (var id in mine[caller]) expected[id] = w.Users[caller].UserId;
                Assert.Equal(expected.OrderBy(e => e.Key), await EntriesAsync(owner, t.AlbumId));
            });
        }

        // A Provider's entry is seen (and downloaded) at each invitee's role; the owner's partner does not see it (the partner
        // rule covers the owner's own library only).
        var providers = mine[Caller.Provider][0];
        foreach (var caller in AllCallers)
        {
            var sees = SeesAlbum(caller, Kind.Manual);
            await m.Check($"{Name(caller)} getAsset on a Provider's entry", sees ? Expect.Ok : Hidden(caller),
                () => w.Client(caller).GetAsync($"/api/v1/assets/{providers}"), async r =>
                {
                    var asset = await r.Json<Asset>();
                    Assert.Equal((providers, w.Users[Caller.Provider].UserId), (asset.Id, asset.OwnerId));
                });
            await m.Check($"{Name(caller)} downloadAsset on a Provider's entry", DownloadsAlbum(caller, Kind.Manual) ? Expect.Ok : Refused(sees, caller),
                () => w.Client(caller).GetAsync($"/api/v1/assets/{providers}/original"));
        }

        foreach (var kind in Kinds.Where(k => k != Kind.Conditional))
        {
            var t = w.Targets[kind];
            var url = $"/api/v1/albums/{t.AlbumId}/assets";
            string Cell(Caller caller, string operation) => $"{Name(caller)} {operation} on {Name(kind)}";
            var provider = w.Client(Caller.Provider);

            // Only one's own assets go in: someone else's (one the caller cannot even see) is answered like a missing one,
            // and the batch is all or nothing.
            var fresh = await w.Users[Caller.Provider].UploadUniqueAsync();
            await m.Check(Cell(Caller.Provider, "addAlbumAssets(a stranger's asset)"), Expect.NotFound,
                () => provider.PutAsJsonAsync(url, new { assetIds = new[] { strangers } }));
            await m.Check(Cell(Caller.Provider, "addAlbumAssets(the owner's asset outside the album)"), Expect.NotFound,
                () => provider.PutAsJsonAsync(url, new { assetIds = new[] { w.PersonalAsset } }));
            await m.Check(Cell(Caller.Provider, "addAlbumAssets(own asset + a stranger's)"), Expect.NotFound,
                () => provider.PutAsJsonAsync(url, new { assetIds = new[] { fresh, strangers } }));
            await m.Check(Cell(Caller.Owner, "addAlbumAssets(a stranger's asset)"), Expect.NotFound,
                () => owner.Client.PutAsJsonAsync(url, new { assetIds = new[] { strangers } }));
            await m.That($"{Name(kind)} holds none of the refused assets", async () =>
            {
                var entries = (await EntriesAsync(owner, t.AlbumId)).Select(e => e.Key).ToList();
                Assert.DoesNotContain(fresh, entries);
                Assert.DoesNotContain(strangers, entries);
                Assert.DoesNotContain(w.PersonalAsset, entries);
            });

            // Duplicates are added once; what is there already is reported, not added again.
            await m.Check(Cell(Caller.Owner, "addAlbumAssets(the same asset twice)"), Expect.Ok,
                () => owner.Client.PutAsJsonAsync(url, new { assetIds = new[] { w.PersonalAsset, w.PersonalAsset } }), async r =>
                {
                    var added = await r.Json<AddedEntries>();
                    Assert.Equal([w.PersonalAsset], added.Added);
                    Assert.Empty(added.AlreadyInAlbum);
                });
            await m.Check(Cell(Caller.Owner, "addAlbumAssets(entries already there)"), Expect.Ok,
                () => owner.Client.PutAsJsonAsync(url, new { assetIds = new[] { w.PersonalAsset, t.AssetId } }), async r =>
                {
                    var added = await r.Json<AddedEntries>();
                    Assert.Empty(added.Added);
                    Assert.Equal(new[] { w.PersonalAsset, t.AssetId }.Order(), added.AlreadyInAlbum.Order());
                });
            await m.Check(Cell(Caller.Provider, "addAlbumAssets(own entry again)"), Expect.Ok,
                () => provider.PutAsJsonAsync(url, new { assetIds = new[] { providers } }), async r =>
                {
                    var added = await r.Json<AddedEntries>();
                    Assert.Empty(added.Added);
                    Assert.Equal([providers], added.AlreadyInAlbum);
                });
        }

        // Seeing an asset is not owning it: nobody re-shares what they were shown.
        foreach (var caller in new[] { Caller.Provider, Caller.Downloader, Caller.Partner })
        {
            var client = w.Client(caller);
            var theirs = caller == Caller.Partner ? w.PersonalAsset : w.Targets[Kind.Manual].AssetId;
            await m.Check($"{Name(caller)} createAlbum with the owner's asset", Expect.NotFound,
                () => client.PostAsJsonAsync("/api/v1/albums", new { name = "mine now", assetIds = new[] { theirs } }));
            await m.Check($"{Name(caller)} createShare(selection) of the owner's asset", Expect.NotFound,
                () => client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "selection", assetIds = new[] { theirs } } }));
        }

        // removeAlbumAssets.
        foreach (var kind in Kinds)
        {
            var t = w.Targets[kind];
            var url = $"/api/v1/albums/{t.AlbumId}/assets";
            string Cell(Caller caller, string operation) => $"{Name(caller)} {operation} on {Name(kind)}";
            Task<HttpResponseMessage> Remove(Caller caller, params Guid[] ids) => w.Client(caller).SendAsync(Sharing.DeleteWithBody(url, new { assetIds = ids }));

            if (kind == Kind.Conditional)
            {
                foreach (var caller in CallersOf(kind))
                    await m.Check(Cell(caller, "removeAlbumAssets"), SeesAlbum(caller, kind) ? Expect.NotManual : Hidden(caller), () => Remove(caller, t.AssetId));
                continue;
            }

            foreach (var caller in CallersOf(kind).Where(c => c != Caller.Owner))
            {
                var sees = SeesAlbum(caller, kind);
                await m.Check(Cell(caller, "removeAlbumAssets(the owner's entry)"), Refused(sees, caller), () => Remove(caller, t.AssetId));
                if (InvitedRole(caller) is "viewer" or "downloader")
                    await m.Check(Cell(caller, "removeAlbumAssets(a Provider's entry)"), Expect.RoleInsufficient, () => Remove(caller, providers));
            }
            foreach (var (caller, other) in new[] { (Caller.Provider, Caller.GroupProvider), (Caller.GroupProvider, Caller.Provider) })
            {
                await m.Check(Cell(caller, "removeAlbumAssets(another Provider's entry)"), Expect.RoleInsufficient, () => Remove(caller, mine[other][1]));
                await m.Check(Cell(caller, "removeAlbumAssets(own entry + the owner's)"), Expect.RoleInsufficient, () => Remove(caller, mine[caller][0], t.AssetId));
                await m.Check(Cell(caller, "removeAlbumAssets(an asset that is no entry)"), Expect.EntryMissing, () => Remove(caller, strangers));
                await m.Check(Cell(caller, "removeAlbumAssets(own entry)"), Expect.Ok, () => Remove(caller, mine[caller][0]), async r =>
                    Assert.Equal([mine[caller][0]], (await r.Json<RemovedEntries>()).Removed));
            }
            await m.Check(Cell(Caller.Owner, "removeAlbumAssets(an asset that is no entry)"), Expect.EntryMissing, () => Remove(Caller.Owner, t.AssetId, strangers));
            await m.Check(Cell(Caller.Owner, "removeAlbumAssets(entries Providers added)"), Expect.Ok,
                () => Remove(Caller.Owner, mine[Caller.Provider][1], mine[Caller.GroupProvider][1]), async r =>
                    Assert.Equal(new[] { mine[Caller.Provider][1], mine[Caller.GroupProvider][1] }.Order(), (await r.Json<RemovedEntries>()).Removed.Order()));
            await m.Check(Cell(Caller.Owner, "removeAlbumAssets(own entry twice)"), Expect.Ok, () => Remove(Caller.Owner, t.AssetId, t.AssetId), async r =>
                Assert.Equal([t.AssetId], (await r.Json<RemovedEntries>()).Removed));

            await m.That($"entries of {Name(kind)} after the remove cells", async () =>
            {
                var expected = mine[Caller.Owner].Append(w.PersonalAsset).ToDictionary(id => id, _ => (Guid?)owner.UserId);
                Assert.Equal(expected.OrderBy(e => e.Key), await EntriesAsync(owner, t.AlbumId));
            });
        }
        // Removing an entry leaves the asset itself where it was.
        await m.Check("provider getAsset on their removed entry", Expect.Ok, () => w.Client(Caller.Provider).GetAsync($"/api/v1/assets/{mine[Caller.Provider][0]}"));
        await m.Check("owner getAsset on their removed entry", Expect.Ok, () => owner.Client.GetAsync($"/api/v1/assets/{w.Targets[Kind.Manual].AssetId}"));

        Finish(m);
    }

    [Fact]
    public async Task Only_the_owner_changes_an_album_or_its_share()
    {
        var m = new Matrix();
        var w = await BuildAsync(m);
        var owner = w.Owner;

        foreach (var kind in Kinds)
        {
            var t = w.Targets[kind];
            var albumUrl = $"/api/v1/albums/{t.AlbumId}";
            var shareUrl = $"/api/v1/shares/{t.ShareId}";
            var albumBefore = await owner.Client.GetAsync(albumUrl).Json<Album>();
            var shareBefore = await owner.Client.GetAsync(shareUrl).Json<Share>();
            string Cell(Caller caller, string operation) => $"{Name(caller)} {operation} on {Name(kind)}";

            foreach (var caller in CallersOf(kind).Where(c => c != Caller.Owner))
            {
                var client = w.Client(caller);
                var sees = SeesAlbum(caller, kind);
                await m.Check(Cell(caller, "updateAlbum"), Refused(sees, caller), () => client.PatchAsJsonAsync(albumUrl, new { name = $"renamed by {Name(caller)}" }));
                await m.Check(Cell(caller, "deleteAlbum"), Refused(sees, caller), () => client.DeleteAsync(albumUrl));
                await m.Check(Cell(caller, "createShare(album)"), Refused(sees, caller),
                    () => client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "album", id = t.AlbumId } }));
                // The share is its owner's alone: invitees cannot read it, nor change a role (their own, or another invitee's).
                await m.Check(Cell(caller, "getShare"), Hidden(caller), () => client.GetAsync(shareUrl));
                var self = caller == Caller.Anonymous ? Guid.NewGuid() : w.Users[caller].UserId;
                var other = caller == Caller.Downloader ? Caller.Viewer : Caller.Downloader;
                await m.Check(Cell(caller, "updateShare(raise own role, lower another's)"), Hidden(caller), () => client.PatchAsJsonAsync(shareUrl, new
                {
                    description = $"changed by {Name(caller)}",
                    invitees = new[]
                    {
                        new { principalType = "user", principalId = self, role = kind == Kind.Conditional ? "downloader" : "provider" },
                        new { principalType = "user", principalId = w.Users[other].UserId, role = "viewer" },
                    },
                }));
                await m.Check(Cell(caller, "rotateShareKey"), Hidden(caller), () => client.PostAsync($"{shareUrl}/rotate-key", null));
                await m.Check(Cell(caller, "deleteShare"), Hidden(caller), () => client.DeleteAsync(shareUrl));
            }
            await m.That($"{Name(kind)} and its share are unchanged after the refused calls", async () =>
            {
                var album = await owner.Client.GetAsync(albumUrl).Json<Album>();
                Assert.Equal((albumBefore.Name, albumBefore.UpdatedAt, t.ShareId), (album.Name, album.UpdatedAt, album.ShareId));
                var share = await owner.Client.GetAsync(shareUrl).Json<Share>();
                Assert.Equal((shareBefore.Key, shareBefore.Description, shareBefore.UpdatedAt), (share.Key, share.Description, share.UpdatedAt));
                Assert.Equal(Roles(shareBefore), Roles(share));
                foreach (var caller in CallersOf(kind).Where(c => InvitedRole(c) is not null))
                    Assert.Equal(InvitedRole(caller), (await w.Client(caller).GetAsync(albumUrl).Json<Album>()).Role);
            });

            // The owner does all of it.
            await m.Check(Cell(Caller.Owner, "updateAlbum"), Expect.Ok, () => owner.Client.PatchAsJsonAsync(albumUrl, new { name = "Renamed by its owner" }), async r =>
                Assert.Equal("Renamed by its owner", (await r.Json<Album>()).Name));
            // One share per album (so sharing again is a conflict); a selection's hidden album is not an album to share.
            await m.Check(Cell(Caller.Owner, "createShare(album)"), kind == Kind.Selection ? Expect.NotFound : Expect.AlreadyShared,
                () => owner.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "album", id = t.AlbumId } }));
            await m.Check(Cell(Caller.Owner, "getShare"), Expect.Ok, () => owner.Client.GetAsync(shareUrl), async r =>
            {
                var share = await r.Json<Share>();
                Assert.Equal((kind == Kind.Selection ? "selection" : "album", t.AlbumId, owner.UserId), (share.Target.Type, share.Target.AlbumId, share.OwnerId));
                Assert.Equal(CallersOf(kind).Count(c => InvitedRole(c) is not null), share.Invitees.Count);
            });
            await m.Check(Cell(Caller.Owner, "updateShare"), Expect.Ok, () => owner.Client.PatchAsJsonAsync(shareUrl, new { description = "From the owner" }), async r =>
                Assert.Equal("From the owner", (await r.Json<Share>()).Description));
            await m.Check(Cell(Caller.Owner, "rotateShareKey"), Expect.Ok, () => owner.Client.PostAsync($"{shareUrl}/rotate-key", null), async r =>
            {
                var key = (await r.Json<Share>()).Key;
                Assert.Equal(43, key.Length);
                Assert.NotEqual(shareBefore.Key, key);
            });

            // Taking one invitee off the share ends their access at once, and only theirs.
            var kept = CallersOf(kind).Where(c => InvitedRole(c) is not null && c != Caller.Viewer).ToArray();
            await m.Check(Cell(Caller.Owner, "updateShare(remove the viewer)"), Expect.Ok,
                () => owner.Client.PatchAsJsonAsync(shareUrl, new { invitees = kept.Select(w.Invitee).ToArray() }), async r =>
                    Assert.DoesNotContain((await r.Json<Share>()).Invitees, i => i.PrincipalId == w.Users[Caller.Viewer].UserId));
            await m.Check(Cell(Caller.Viewer, "getAlbum once taken off the share"), Expect.NotFound, () => w.Client(Caller.Viewer).GetAsync(albumUrl));
            await m.Check(Cell(Caller.Viewer, "getAsset once taken off the share"), Expect.NotFound, () => w.Client(Caller.Viewer).GetAsync($"/api/v1/assets/{t.AssetId}"));
            await m.Check(Cell(Caller.GroupViewer, "getAlbum once the viewer was taken off"), Expect.Ok, () => w.Client(Caller.GroupViewer).GetAsync(albumUrl));

            // Deleting the share ends every invitee's access; an album stays (unshared), a selection goes with its share.
            await m.Check(Cell(Caller.Owner, "deleteShare"), Expect.NoContent, () => owner.Client.DeleteAsync(shareUrl));
            foreach (var caller in kept)
                await m.Check(Cell(caller, "getAlbum once the share was deleted"), Expect.NotFound, () => w.Client(caller).GetAsync(albumUrl));
            await m.Check(Cell(Caller.Owner, "getShare once deleted"), Expect.NotFound, () => owner.Client.GetAsync(shareUrl));
            await m.Check(Cell(Caller.Owner, "getAlbum once the share was deleted"), kind == Kind.Selection ? Expect.NotFound : Expect.Ok,
                () => owner.Client.GetAsync(albumUrl), async r => Assert.Null((await r.Json<Album>()).ShareId));
            if (kind != Kind.Selection)
            {
                await m.Check(Cell(Caller.Owner, "deleteAlbum"), Expect.NoContent, () => owner.Client.DeleteAsync(albumUrl));
                await m.Check(Cell(Caller.Owner, "getAlbum once deleted"), Expect.NotFound, () => owner.Client.GetAsync(albumUrl));
            }
            await m.Check(Cell(Caller.Owner, "getAsset once the album is gone"), Expect.Ok, () => owner.Client.GetAsync($"/api/v1/assets/{t.AssetId}"));
        }

        // The owner deletes a selection's album while it is shared: its share goes with it.
        var photo = await owner.UploadUniqueAsync();
        var selection = await ShareAsync(owner, new { type = "selection", assetIds = new[] { photo } }, [w.Invitee(Caller.Viewer)]).Json<Share>(201);
        await m.Check("owner deleteAlbum on a shared selection", Expect.NoContent, () => owner.Client.DeleteAsync($"/api/v1/albums/{selection.Target.AlbumId}"));
        await m.Check("owner getShare once its selection was deleted", Expect.NotFound, () => owner.Client.GetAsync($"/api/v1/shares/{selection.Id}"));
        await m.Check("viewer getAlbum once the selection was deleted", Expect.NotFound, () => w.Client(Caller.Viewer).GetAsync($"/api/v1/albums/{selection.Target.AlbumId}"));
        // And shares an album that is not shared yet.
        var fresh = await owner.CreateAlbumAsync("Fresh", photo);
        await m.Check("owner createShare(album) on an unshared album", Expect.Created,
            () => ShareAsync(owner, new { type = "album", id = fresh.Id }, [w.Invitee(Caller.GroupDownloader)]), async r =>
                Assert.Equal(("group", "downloader"), (await r.Json<Share>(201)).Invitees.Select(i => (i.PrincipalType, i.Role)).Single()));
        await m.Check("group downloader downloadAsset on the newly shared album", Expect.Ok, () => w.Client(Caller.GroupDownloader).GetAsync($"/api/v1/assets/{photo}/original"));

        Finish(m);
    }

    [Fact]
    public async Task Only_the_owner_edits_assets_and_the_trash_is_never_shared()
    {
        var m = new Matrix();
        var w = await BuildAsync(m);
        var owner = w.Owner;
        var assets = Kinds.Select(k => (What: $"the {Name(k)}'s asset", Id: w.Targets[k].AssetId)).Append((What: "a personal asset", Id: w.PersonalAsset)).ToArray();

        foreach (var (what, id) in assets)
        {
            foreach (var caller in AllCallers.Where(c => c != Caller.Owner))
            {
                var client = w.Client(caller);
                string Cell(string operation) => $"{Name(caller)} {operation} on {what}";
                await m.Check(Cell("updateAsset"), Hidden(caller), () => client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { description = "mine now", rating = 0 }));
                await m.Check(Cell("deleteAssets"), Hidden(caller), () => client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { id } }));
                await m.Check(Cell("moveAssets"), Hidden(caller), () => client.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { id }, folderId = (Guid?)null }));
                await m.Check(Cell("copyAssets"), Hidden(caller), () => client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { id } }));
            }
            await m.That($"{what} is unchanged after the refused edits", async () =>
            {
                var asset = await owner.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>();
                Assert.Equal(("", (Guid?)null, (DateTime?)null), (asset.Description, asset.FolderId, asset.TrashedAt));
            });
        }
        foreach (var caller in AllCallers.Where(c => c is not Caller.Owner and not Caller.Admin and not Caller.Anonymous))
            await m.Check($"{Name(caller)} has no copies after the refused copies", Expect.Ok, () => w.Client(caller).GetAsync("/api/v1/assets"), async r =>
                Assert.DoesNotContain((await r.Json<Page<Asset>>()).Items, a => a.OwnerId == w.Users[caller].UserId));

        // The owner edits, copies and moves (within their Personal Space, so everyone keeps seeing them as before).
        var ids = assets.Select(a => a.Id).ToArray();
        var folder = (await owner.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Matrix" }).Json(201)).GetProperty("id").GetGuid();
        var copies = new List<Guid>();
        foreach (var (what, id) in assets)
            await m.Check($"owner updateAsset on {what}", Expect.Ok, () => owner.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { description = "Edited by its owner" }), async r =>
                Assert.Equal("Edited by its owner", (await r.Json<Asset>()).Description));
        await m.Check("owner copyAssets on every asset", Expect.Created, () => owner.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids }), async r =>
        {
            copies.AddRange((await r.Json<AssetIds>(201)).Ids);
            Assert.Equal(ids.Length, copies.Count);
        });
        await m.Check("owner moveAssets on every asset", Expect.Ok, () => owner.Client.PostAsJsonAsync("/api/v1/assets/move", new { ids, folderId = folder }), async r =>
            Assert.Equal(ids.Order(), (await r.Json<AssetIds>()).Ids.Order()));
        foreach (var kind in Kinds)
            foreach (var caller in CallersOf(kind).Where(c => SeesAsset(c, kind) && c != Caller.Owner))
                await m.Check($"{Name(caller)} getAsset on the {Name(kind)}'s asset once moved", Expect.Ok,
                    () => w.Client(caller).GetAsync($"/api/v1/assets/{w.Targets[kind].AssetId}"), async r =>
                    {
                        var asset = await r.Json<Asset>();
                        Assert.Equal(("Edited by its owner", (Guid?)folder), (asset.Description, asset.FolderId));
                    });

        // Trashed: the owner still has them (in the trash); invitees and the partner see nothing, albums show nothing.
        await m.Check("owner deleteAssets on every asset", Expect.Ok,
            () => owner.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = ids.Concat(copies).ToArray() }), async r =>
                Assert.Equal(ids.Length + copies.Count, (await r.Json<AssetIds>()).Ids.Count));
        foreach (var kind in Kinds)
        {
            var t = w.Targets[kind];
            foreach (var caller in CallersOf(kind))
            {
                var client = w.Client(caller);
                var sees = SeesAlbum(caller, kind);
                string Cell(string operation) => $"{Name(caller)} {operation} on {Name(kind)} once its asset is trashed";
                await m.Check(Cell("getAsset"), caller == Caller.Owner ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/assets/{t.AssetId}"), async r =>
                    Assert.NotNull((await r.Json<Asset>()).TrashedAt));
                await m.Check(Cell("downloadAsset"), caller == Caller.Owner ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/assets/{t.AssetId}/original"));
                await m.Check(Cell("getAlbum"), sees ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/albums/{t.AlbumId}"), async r =>
                    Assert.Equal(0, (await r.Json<Album>()).AssetCount));
                await m.Check(Cell("listAlbumAssets"), sees ? Expect.Ok : Hidden(caller), () => client.GetAsync($"/api/v1/albums/{t.AlbumId}/assets"), async r =>
                    Assert.Empty((await r.Json<Page<AlbumEntry>>()).Items));
            }
        }
        await m.Check("partner getAsset on a trashed personal asset", Expect.NotFound, () => w.Client(Caller.Partner).GetAsync($"/api/v1/assets/{w.PersonalAsset}"));
        await m.Check("partner downloadArchive{assetIds} on a trashed personal asset", Expect.NotFound,
            () => w.Client(Caller.Partner).PostAsJsonAsync("/api/v1/downloads/archive", new { assetIds = new[] { w.PersonalAsset } }));
        await m.Check("partner listAssets?partnerId=owner once everything is trashed", Expect.Ok,
            () => w.Client(Caller.Partner).GetAsync($"/api/v1/assets?partnerId={owner.UserId}"), async r => Assert.Empty((await r.Json<Page<Asset>>()).Items));

        // Restored, they are shown again at each caller's role.
        await owner.Client.PostAsJsonAsync("/api/v1/trash/restore", new { ids }).ShouldBe(200);
        foreach (var kind in Kinds)
            foreach (var caller in CallersOf(kind))
                await m.Check($"{Name(caller)} getAsset on the {Name(kind)}'s asset once restored", SeesAsset(caller, kind) ? Expect.Ok : Hidden(caller),
                    () => w.Client(caller).GetAsync($"/api/v1/assets/{w.Targets[kind].AssetId}"));
        await m.Check("partner listAssets?partnerId=owner once restored (copies still trashed)", Expect.Ok,
            () => w.Client(Caller.Partner).GetAsync($"/api/v1/assets?partnerId={owner.UserId}"), async r =>
                Assert.Equal(ids.Order(), (await r.Json<Page<Asset>>()).Items.Select(a => a.Id).Order()));

        Finish(m);
    }

    [Fact]
    public async Task Invitees_and_partners_are_checked_when_shared()
    {
        var m = new Matrix();
        var owner = await api.NewUserAsync("owner");
        var friend = await api.NewUserAsync("friend");
        var leaving = await api.NewUserAsync("leaving");
        var photo = await owner.UploadUniqueAsync();
        var album = await owner.CreateAlbumAsync("Unshared", photo);
        var conditional = await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "Rated", kind = "conditional", conditions = new { minRating = 1 } }).Json<Album>(201);
        var group = (await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = $"matrix-{Guid.NewGuid():N}", memberIds = new[] { friend.UserId } }).Json(201))
            .GetProperty("id").GetGuid();
        static object AsUser(Guid id, string role) => new { principalType = "user", principalId = id, role };
        static object AsGroup(Guid id, string role) => new { principalType = "group", principalId = id, role };

        // An album cannot be shared with its owner, nor with a user or group that does not exist or a disabled user.
        (await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{leaving.UserId}", new { status = "disabled" })).EnsureSuccessStatusCode();
        foreach (var (what, target) in new (string, object)[] { ("album", new { type = "album", id = album.Id }), ("selection", new { type = "selection", assetIds = new[] { photo } }) })
        {
            await m.Check($"owner createShare({what}) with the owner as invitee", Expect.InviteeIsOwner, () => ShareAsync(owner, target, [AsUser(owner.UserId, "viewer")]));
            await m.Check($"owner createShare({what}) with an unknown user", Expect.UnknownInvitee, () => ShareAsync(owner, target, [AsUser(Guid.NewGuid(), "viewer")]));
            await m.Check($"owner createShare({what}) with an unknown group", Expect.UnknownInvitee, () => ShareAsync(owner, target, [AsGroup(Guid.NewGuid(), "viewer")]));
            await m.Check($"owner createShare({what}) with a disabled user", Expect.UnknownInvitee, () => ShareAsync(owner, target, [AsUser(leaving.UserId, "viewer")]));
        }
        await m.Check("owner getAlbum after the refused shares", Expect.Ok, () => owner.Client.GetAsync($"/api/v1/albums/{album.Id}"), async r =>
            Assert.Null((await r.Json<Album>()).ShareId));
        await m.Check("owner listSharedWithOthers after the refused shares", Expect.Ok, () => owner.Client.GetAsync("/api/v1/sharing/with-others"), async r =>
            Assert.Empty((await r.Json<Page<SharedWithOthersItem>>()).Items));

        // A conditional album takes no Provider, neither a user nor a group, neither when shared nor later.
        var conditionalTarget = new { type = "album", id = conditional.Id };
        await m.Check("owner createShare(conditional album) with a Provider user", Expect.RoleNotAllowed, () => ShareAsync(owner, conditionalTarget, [AsUser(friend.UserId, "provider")]));
        await m.Check("owner createShare(conditional album) with a Provider group", Expect.RoleNotAllowed, () => ShareAsync(owner, conditionalTarget, [AsGroup(group, "provider")]));
        var share = await ShareAsync(owner, conditionalTarget, [AsUser(friend.UserId, "viewer")]).Json<Share>(201);
        await m.Check("owner updateShare(conditional album) to a Provider", Expect.RoleNotAllowed,
            () => owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { invitees = new[] { AsUser(friend.UserId, "provider") } }));
        await m.Check("owner updateShare(conditional album) to a Downloader group", Expect.Ok,
            () => owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { invitees = new[] { AsUser(friend.UserId, "viewer"), AsGroup(group, "downloader") } }));
        await m.Check("friend getAlbum at the highest of their roles", Expect.Ok, () => friend.Client.GetAsync($"/api/v1/albums/{conditional.Id}"), async r =>
            Assert.Equal("downloader", (await r.Json<Album>()).Role));

        // Partners: not oneself, not twice, only existing users; one way only; ended by either side.
        var theirs = await friend.UploadUniqueAsync();
        await m.Check("owner createPartner with themselves", Expect.PartnerIsSelf, () => owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = owner.UserId }));
        await m.Check("owner createPartner with an unknown user", Expect.NotFound, () => owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = Guid.NewGuid() }));
        await m.Check("owner createPartner with a disabled user", Expect.NotFound, () => owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = leaving.UserId }));
        await m.Check("owner deletePartner that does not exist", Expect.NotFound, () => owner.Client.DeleteAsync($"/api/v1/partners/{friend.UserId}"));
        await m.Check("owner createPartner", Expect.Created, () => owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = friend.UserId }));
        await m.Check("owner createPartner again", Expect.PartnerExists, () => owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = friend.UserId }));
        await m.Check("friend getAsset on the owner's photo", Expect.Ok, () => friend.Client.GetAsync($"/api/v1/assets/{photo}"));
        await m.Check("owner getAsset on the partner's photo (sharing is one way)", Expect.NotFound, () => owner.Client.GetAsync($"/api/v1/assets/{theirs}"));
        await m.Check("friend updateAsset on the owner's photo", Expect.NotFound, () => friend.Client.PatchAsJsonAsync($"/api/v1/assets/{photo}", new { rating = 5 }));
        await m.Check("friend getAlbum on the owner's unshared album", Expect.NotFound, () => friend.Client.GetAsync($"/api/v1/albums/{album.Id}"));
        await m.Check("owner deletePartner", Expect.NoContent, () => owner.Client.DeleteAsync($"/api/v1/partners/{friend.UserId}"));
        await m.Check("friend getAsset once the partnership ended", Expect.NotFound, () => friend.Client.GetAsync($"/api/v1/assets/{photo}"));

        Finish(m);
    }

    // ---- The rules under test, written once -------------------------------------------------------------------------

    private enum Caller { Owner, Viewer, Downloader, Provider, GroupViewer, GroupDownloader, GroupProvider, Partner, Stranger, Admin, Anonymous }

    private enum Kind { Manual, Conditional, Selection }

    private static readonly Caller[] AllCallers = Enum.GetValues<Caller>();
    private static readonly Kind[] Kinds = Enum.GetValues<Kind>();

    private static string? InvitedRole(Caller c) => c switch
    {
        Caller.Viewer or Caller.GroupViewer => "viewer",
        Caller.Downloader or Caller.GroupDownloader => "downloader",
        Caller.Provider or Caller.GroupProvider => "provider",
        _ => null,
    };

    private static bool ViaGroup(Caller c) => c is Caller.GroupViewer or Caller.GroupDownloader or Caller.GroupProvider;

    /// <summary>The rows of a kind's cells: everyone, but a conditional album has no Providers (its share refuses them).</summary>
    private static IEnumerable<Caller> CallersOf(Kind k) => AllCallers.Where(c => k != Kind.Conditional || InvitedRole(c) != "provider");

    /// <summary>The caller's role on the target (<c>owner</c> or an invitee's), null when they may not see it.</summary>
    private static string? RoleOn(Caller c, Kind k) => c == Caller.Owner ? "owner" : CallersOf(k).Contains(c) ? InvitedRole(c) : null;

    private static bool SeesAlbum(Caller c, Kind k) => RoleOn(c, k) is not null;
    private static bool DownloadsAlbum(Caller c, Kind k) => RoleOn(c, k) is "owner" or "downloader" or "provider";
    private static bool AddsTo(Caller c, Kind k) => k != Kind.Conditional && RoleOn(c, k) is "owner" or "provider";

    /// <summary>The target's asset is the owner's personal asset: the partner sees and downloads it by the partner rule.</summary>
    private static bool SeesAsset(Caller c, Kind k) => SeesAlbum(c, k) || c == Caller.Partner;
    private static bool DownloadsAsset(Caller c, Kind k) => DownloadsAlbum(c, k) || c == Caller.Partner;

    /// <summary>What someone who may not see a thing is told: that it does not exist (or, without signing in, to sign in).</summary>
    private static Expect Hidden(Caller c) => c == Caller.Anonymous ? Expect.Unauthenticated : Expect.NotFound;

    /// <summary>Refused: 403 to someone who sees the thing but whose role does not allow this, otherwise hidden.</summary>
    private static Expect Refused(bool sees, Caller c) => sees ? Expect.RoleInsufficient : Hidden(c);

    private static Expect SignedIn(Caller c) => c == Caller.Anonymous ? Expect.Unauthenticated : Expect.Ok;

    private static string Name(Caller c) => c switch
    {
        Caller.GroupViewer => "group viewer",
        Caller.GroupDownloader => "group downloader",
        Caller.GroupProvider => "group provider",
        _ => c.ToString().ToLowerInvariant(),
    };

    private static string Name(Kind k) => k == Kind.Selection ? "selection" : $"{KindOf(k)} album";

    /// <summary>The album's <c>kind</c> on the wire.</summary>
    private static string KindOf(Kind k) => k.ToString().ToLowerInvariant();

    // ---- The scenario -------------------------------------------------------------------------------------------------

    private sealed record Target(Guid AlbumId, Guid ShareId, Guid AssetId);

    private sealed class World
    {
        public required Dictionary<Caller, Session> Users { get; init; }
        public required HttpClient Anonymous { get; init; }
        public required Dictionary<Caller, Guid> Groups { get; init; }
        public required Dictionary<Kind, Target> Targets { get; init; }
        /// <summary>An asset of the owner's that no album shows.</summary>
        public required Guid PersonalAsset { get; init; }
        public required Dictionary<Guid, string> Checksums { get; init; }

        public Session Owner => Users[Caller.Owner];
        public HttpClient Client(Caller c) => c == Caller.Anonymous ? Anonymous : Users[c].Client;

        /// <summary>An invitee entry of a share for this caller: the user, or the group they are the member of.</summary>
        public object Invitee(Caller c) => ViaGroup(c)
            ? new { principalType = "group", principalId = Groups[c], role = InvitedRole(c) }
            : new { principalType = "user", principalId = Users[c].UserId, role = InvitedRole(c) };
    }

    /// <summary>
    /// One owner with a manual album, a conditional album (minRating 1) and a selection, each showing one asset of theirs
    /// and shared with every invitee row (users directly, group rows through a one-member group); one more asset in no
    /// album; a partner; a stranger; the admin; an anonymous client.
    /// </summary>
    private async Task<World> BuildAsync(Matrix m, bool thumbnails = false)
    {
        Caller[] named = [.. AllCallers.Where(c => c is not Caller.Admin and not Caller.Anonymous)];
        var sessions = await Task.WhenAll(named.Select(c => api.NewUserAsync(Name(c).Replace(' ', '-'))));
        var users = named.Zip(sessions).ToDictionary(p => p.First, p => p.Second);
        // The shared admin session does not carry its id; the share cells need it.
        users[Caller.Admin] = api.Admin with { UserId = (await api.Admin.Client.GetAsync("/api/v1/users/me").Json<User>()).Id };
        var owner = users[Caller.Owner];

        var groups = new Dictionary<Caller, Guid>();
        foreach (var c in named.Where(ViaGroup))
            groups[c] = (await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = $"matrix-{InvitedRole(c)}-{Guid.NewGuid():N}", memberIds = new[] { users[c].UserId } })
                .Json(201)).GetProperty("id").GetGuid();

        var ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => owner.UploadUniqueAsync()));
        if (thumbnails) await Task.WhenAll(ids[..3].Select(id => owner.WaitProcessedAsync(id)));
        var checksums = new Dictionary<Guid, string>();
        foreach (var id in ids) checksums[id] = (await owner.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>()).Checksum;
        var (manualAsset, conditionalAsset, selectionAsset, personal) = (ids[0], ids[1], ids[2], ids[3]);
        await owner.Client.PatchAsJsonAsync($"/api/v1/assets/{conditionalAsset}", new { rating = 1 }).ShouldBe(200);

        var w = new World
        {
            Users = users, Anonymous = api.NewClient(), Groups = groups, Targets = [], PersonalAsset = personal, Checksums = checksums,
        };
        var invitees = AllCallers.Where(c => InvitedRole(c) is not null).ToArray();

        var manual = await owner.CreateAlbumAsync("Matrix manual", manualAsset);
        var manualShare = await ShareAsync(owner, new { type = "album", id = manual.Id }, invitees.Select(w.Invitee)).Json<Share>(201);
        w.Targets[Kind.Manual] = new Target(manual.Id, manualShare.Id, manualAsset);

        var conditional = await owner.Client.PostAsJsonAsync("/api/v1/albums", new
        {
            name = "Matrix conditional", kind = "conditional", conditions = new { minRating = 1 },
        }).Json<Album>(201);
        // The Provider cells of a conditional album: refused when sharing (users and groups alike), and nothing half-written
        // is left (the share below is created, not a conflict).
        await m.Check("owner createShare(conditional album) with Providers", Expect.RoleNotAllowed,
            () => ShareAsync(owner, new { type = "album", id = conditional.Id }, invitees.Select(w.Invitee)));
        var conditionalShare = await ShareAsync(owner, new { type = "album", id = conditional.Id },
            invitees.Where(c => InvitedRole(c) != "provider").Select(w.Invitee)).Json<Share>(201);
        w.Targets[Kind.Conditional] = new Target(conditional.Id, conditionalShare.Id, conditionalAsset);

        var selection = await ShareAsync(owner, new { type = "selection", assetIds = new[] { selectionAsset } }, invitees.Select(w.Invitee)).Json<Share>(201);
        w.Targets[Kind.Selection] = new Target(selection.Target.AlbumId, selection.Id, selectionAsset);

        await owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = users[Caller.Partner].UserId }).ShouldBe(201);
        return w;
    }

    private static Task<HttpResponseMessage> ShareAsync(Session owner, object target, IEnumerable<object> invitees) =>
        owner.Client.PostAsJsonAsync("/api/v1/shares", new { target, invitees = invitees.ToArray() });

    /// <summary>An album's entries as its owner sees them: asset → who added it (null for a conditional album's).</summary>
    private static async Task<List<KeyValuePair<Guid, Guid?>>> EntriesAsync(Session owner, Guid albumId) =>
        (await owner.Client.GetAsync($"/api/v1/albums/{albumId}/assets?limit=1000").Json<Page<AlbumEntry>>()).Items
            .Select(e => KeyValuePair.Create(e.Asset.Id, e.AddedBy)).OrderBy(e => e.Key).ToList();

    private static List<(string, Guid, string)> Roles(Share share) =>
        [.. share.Invitees.Select(i => (i.PrincipalType, i.PrincipalId, i.Role)).Order()];

    private static async Task ShouldBeOriginalOf(HttpResponseMessage response, string checksum) =>
        Assert.Equal(checksum, Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync())));

    private static async Task ShouldBeZipOf(HttpResponseMessage response, int files)
    {
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal(files, zip.Entries.Count);
        Assert.All(zip.Entries, e => Assert.True(e.Length > 0, $"{e.FullName} is empty"));
    }

    private void Finish(Matrix m)
    {
        output.WriteLine($"{m.Count} cells, {m.Failures.Count} failing");
        m.Verify();
    }

    private sealed record AddedEntries(List<Guid> Added, List<Guid> AlreadyInAlbum);

    private sealed record RemovedEntries(List<Guid> Removed);

    private sealed record AssetIds(List<Guid> Ids);

    /// <summary>The answer a cell expects: a status, and for a refusal the problem code.</summary>
    private readonly record struct Expect(int Status, string? Code = null)
    {
        public static Expect Ok => new(200);
        public static Expect Created => new(201);
        public static Expect NoContent => new(204);
        public static Expect NotFound => new(404, "resource.not_found");
        public static Expect RoleInsufficient => new(403, "share.role_insufficient");
        public static Expect Unauthenticated => new(401, "auth.unauthenticated");
        public static Expect NotManual => new(409, "album.not_manual");
        public static Expect EntryMissing => new(404, "album.entry_missing");
        public static Expect AlreadyShared => new(409, "share.already_shared");
        public static Expect InviteeIsOwner => new(400, "share.invitee_is_owner");
        public static Expect UnknownInvitee => new(400, "share.unknown_invitee");
        public static Expect RoleNotAllowed => new(400, "share.role_not_allowed");
        public static Expect PartnerIsSelf => new(400, "partner.is_self");
        public static Expect PartnerExists => new(409, "partner.exists");

        public bool Allowed => Status is >= 200 and < 300;
    }

    /// <summary>Runs cells and collects the failing ones, so a run names every cell that broke.</summary>
    private sealed class Matrix
    {
        public List<string> Failures { get; } = [];
        public int Count { get; private set; }

        /// <summary>One call: the status and problem code it must answer, and for an allowed call what the caller gets.</summary>
        public Task Check(string cell, Expect expect, Func<Task<HttpResponseMessage>> call, Func<HttpResponseMessage, Task>? content = null) =>
            That(cell, async () =>
            {
                using var response = await call();
                if (expect.Code is null) await response.ShouldBe(expect.Status);
                else await response.ShouldBeProblem(expect.Status, expect.Code);
                if (expect.Allowed && content is not null) await content(response);
            });

        public async Task That(string cell, Func<Task> assertion)
        {
            Count++;
            try
            {
                await assertion();
            }
            catch (Exception e)
            {
                Failures.Add($"{cell}: {e.Message}");
            }
        }

        public void Verify()
        {
            if (Failures.Count > 0)
                Assert.Fail($"{Failures.Count} of {Count} cells failed:\n" + string.Join("\n", Failures));
        }
    }
}
