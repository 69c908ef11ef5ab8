from __future__ import annotations

from profiler.identity import job_identity, new_run_id, parse_visible_devices


def test_visible_devices_indices_uuids_and_mig() -> None:
    sel = parse_visible_devices({"CUDA_VISIBLE_DEVICES": "2,GPU-abc,MIG-def"})
    assert sel.entries == ("2", "GPU-abc", "MIG-def")
    assert sel.wanted() == ("2", "GPU-abc", "MIG-def")
    assert sel.index_order_note  # index used without CUDA_DEVICE_ORDER=PCI_BUS_ID


def test_invalid_entry_ends_the_list_like_cuda() -> None:
    sel = parse_visible_devices({"CUDA_VISIBLE_DEVICES": "0,bogus,1"})
    assert sel.entries == ("0",)
    assert any("bogus" in n for n in sel.notes)
    assert parse_visible_devices({"CUDA_VISIBLE_DEVICES": "1,-1,0"}).entries == ("1",)
    assert parse_visible_devices({"CUDA_VISIBLE_DEVICES": ""}).entries == ()


def test_unset_means_all_devices_and_pci_order_silences_note() -> None:
    sel = parse_visible_devices({"CUDA_DEVICE_ORDER": "PCI_BUS_ID"})
    assert sel.entries is None and sel.wanted() is None and sel.index_order_note is None


def test_local_rank_picks_its_device() -> None:
    env = {"CUDA_VISIBLE_DEVICES": "GPU-a,GPU-b,GPU-c", "LOCAL_RANK": "1"}
    assert parse_visible_devices(env).wanted() == ("GPU-b",)
    # one device per rank already: keep it
    assert parse_visible_devices({"CUDA_VISIBLE_DEVICES": "GPU-c", "LOCAL_RANK": "2"}).wanted() == ("GPU-c",)
    # nothing set: cuda:LOCAL_RANK
    assert parse_visible_devices({"LOCAL_RANK": "3"}).wanted() == ("3",)


def test_job_identity_from_launchers() -> None:
    job = job_identity({"TORCHELASTIC_RUN_ID": "abc", "RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1"})
    assert (job.job_id, job.job_id_source, job.rank, job.world_size, job.local_rank) == ("abc", "TORCHELASTIC_RUN_ID", 3, 8, 1)
    assert job.run_id_for_job() == "job-abc" and job.distributed
    slurm = job_identity({"SLURM_JOB_ID": "991", "SLURM_PROCID": "2", "SLURM_NTASKS": "4"})
    assert slurm.run_id_for_job() == "job-991" and slurm.rank == 2
    assert job_identity({"FINML_JOB_ID": "x/y", "SLURM_JOB_ID": "1"}).run_id_for_job() == "job-x_y"
    assert job_identity({}).run_id_for_job() is None


def test_run_ids_are_unique_and_safe() -> None:
    a, b = new_run_id("my run/1"), new_run_id("my run/1")
    assert a != b and "/" not in a and " " not in a
