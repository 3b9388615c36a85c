from locust import HttpUser, task, between


class MyUser(HttpUser):
    wait_time = between(1, 3)

    @task
    def many(self):
        for i in range(10):
            self.client.get("/orders")
